// The wizard's state: where the user is, what they typed (never a secret),
// and the connection. Saved through the back end after every change so that
// closing and reopening the app resumes here.
import {
  commands,
  RECOMMENDED_SETUP,
  SCREENS,
  toCommandError,
  type CommandError,
  type ConnectionView,
  type SetupInput,
  type WizardState,
} from "../backend";

export type Screen = (typeof SCREENS)[number];

export const WIZARD_SCREENS: readonly Screen[] = SCREENS.filter((screen) => screen !== "dashboard");

/** The back end's recommended setup (generated from setup::SetupInput::recommended). */
export function defaultSetup(): SetupInput {
  return { ...RECOMMENDED_SETUP };
}

function initial(): WizardState {
  return {
    screen: "welcome",
    mode: null,
    checked: [],
    connect: { imsUrl: "", platformUrl: "", clientId: "", orgId: "" },
    setup: defaultSetup(),
    setupName: null,
  };
}

export const wizard = $state<{
  state: WizardState;
  connection: ConnectionView | null;
  loaded: boolean;
  saveError: CommandError | null;
}>({ state: initial(), connection: null, loaded: false, saveError: null });

/** Whether a setup run (apply, resume, retry, rollback) is under way: a
 * notification's click does not leave the Create screen then. */
export const activity = $state<{ settingUp: boolean }>({ settingUp: false });

let saving: Promise<void> = Promise.resolve();

/** Persists the current state; writes are queued so they land in order. */
export function persist(): Promise<void> {
  const snapshot = $state.snapshot(wizard.state) as WizardState;
  saving = saving.then(async () => {
    try {
      await commands.saveWizard(snapshot);
      wizard.saveError = null;
    } catch (error) {
      wizard.saveError = toCommandError(error);
    }
  });
  return saving;
}

export async function loadWizard(): Promise<void> {
  try {
    adoptWizard(await commands.loadWizard());
  } catch (error) {
    wizard.saveError = toCommandError(error);
    wizard.loaded = true;
  }
}

/** Takes up the saved state (`null`: a first start), as `loadWizard` reads
 *  it or as the shell handed it to the page (`bootFromShell`). */
export function adoptWizard(saved: WizardState | null): void {
  if (saved) wizard.state = { ...initial(), ...saved, setup: { ...defaultSetup(), ...saved.setup } };
  wizard.loaded = true;
}

export function go(screen: Screen): void {
  wizard.state.screen = screen;
  void persist();
}

export function next(): void {
  const index = WIZARD_SCREENS.indexOf(wizard.state.screen as Screen);
  if (index >= 0 && index < WIZARD_SCREENS.length - 1) go(WIZARD_SCREENS[index + 1]);
}

export function back(): void {
  const index = WIZARD_SCREENS.indexOf(wizard.state.screen as Screen);
  if (index > 0) go(WIZARD_SCREENS[index - 1]);
}

/** Back to the start, keeping nothing but the language. */
export function restart(): void {
  wizard.state = initial();
  wizard.connection = null;
  void persist();
}
