// axe-core in a page of the dashboard: its source is evaluated in the page (an injected <script>
// would be refused by the dashboard's Content-Security-Policy, rightly), then run over the whole
// document. Answers each violation as "rule (impact): the first element's selector — help".
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import type { AxeResults } from "axe-core";
import type { Page } from "playwright-core";

const require = createRequire(import.meta.url);
let source: Promise<string> | null = null;

export async function axeViolations(page: Page): Promise<string[]> {
  source ??= readFile(require.resolve("axe-core/axe.min.js"), "utf8");
  await page.evaluate(await source);
  const results = await page.evaluate(() =>
    (window as unknown as { axe: { run(context: Document, options: object): Promise<AxeResults> } }).axe.run(document, {
      resultTypes: ["violations"],
    }),
  );
  return results.violations.map(
    (v) => `${v.id} (${v.impact ?? "?"}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")} — ${v.help}`,
  );
}
