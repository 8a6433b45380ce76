// The app's own updates: one check at start, another whenever the user asks
// (the footer), and the install the user agrees to (the banner).
import { Channel, commands, toCommandError, type CommandError, type UpdateCheckView, type UpdateProgress } from "../backend";
import { t } from "../i18n/index.svelte";
import { announce } from "./announce.svelte";

type UpdatesState = {
  check: UpdateCheckView | null;
  /** The last check was the user's, so its outcome is shown even when there is nothing new. */
  asked: boolean;
  checking: boolean;
  dismissed: boolean;
  installing: boolean;
  progress: UpdateProgress | null;
  checkFailure: CommandError | null;
  installFailure: CommandError | null;
};

/** Nothing checked yet (also what tests reset the store to). */
export function idleUpdates(): UpdatesState {
  return {
    check: null,
    asked: false,
    checking: false,
    dismissed: false,
    installing: false,
    progress: null,
    checkFailure: null,
    installFailure: null,
  };
}

export const updates = $state<UpdatesState>(idleUpdates());

/** Words for a check's outcome. */
export function describeCheck(view: UpdateCheckView): string {
  if (view.state === "available" && view.update) {
    return t("updates.available", { version: view.update.version, current: view.currentVersion });
  }
  return t(`updates.state.${view.state}`, { current: view.currentVersion });
}

/** A failed check at start says nothing (the user did not ask, and an
 * offline laptop is normal); a check the user asked for says what happened. */
export async function checkForUpdate(byUser: boolean): Promise<void> {
  if (updates.checking || updates.installing) return;
  updates.checking = true;
  updates.asked = byUser;
  updates.checkFailure = null;
  try {
    const view = await commands.checkForUpdate();
    updates.check = view;
    if (byUser) {
      updates.dismissed = false;
      announce(describeCheck(view));
    }
  } catch (error) {
    if (byUser) updates.checkFailure = toCommandError(error);
  } finally {
    updates.checking = false;
  }
}

/** Downloads, verifies and installs the offered version; the app then
 * restarts into it, so success never returns here. */
export async function installUpdate(): Promise<void> {
  updates.installing = true;
  updates.installFailure = null;
  updates.progress = null;
  announce(t("updates.downloading"));
  const channel = new Channel<UpdateProgress>();
  channel.onmessage = (next) => (updates.progress = next);
  try {
    await commands.installUpdate(channel);
  } catch (error) {
    const failure = toCommandError(error);
    updates.installFailure = failure;
    announce(t(`errors.code.${failure.code}`));
  } finally {
    updates.installing = false;
  }
}
