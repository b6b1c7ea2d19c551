// The contract's operations: each validates against the printed schema, and none is written out
// again anywhere else in the repository (apps, tests and bench import them from here).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { buildSchema, type DocumentNode, Kind, print, validate } from "graphql";
import { describe, expect, it } from "vitest";
import { schemaFile } from "../src/breaking-changes.ts";
import * as contract from "../src/index.ts";
import { literalsIn, normalisedOperations } from "./find-copies.ts";

const isDocument = (value: unknown): value is DocumentNode =>
  typeof value === "object" && value !== null && "kind" in value && value.kind === Kind.DOCUMENT;
const operations = Object.entries(contract).flatMap(([name, value]) =>
  isDocument(value) && value.definitions.some((d) => d.kind === Kind.OPERATION_DEFINITION)
    ? [{ name, document: value }]
    : [],
);
/** Each contract operation's normalised form, and its name. */
const byShape = new Map(
  operations.flatMap(({ name, document }) => normalisedOperations(print(document)).map((shape) => [shape, name])),
);

/** Where the contract's operations are written out again in `files` (path and source). */
function copiesIn(files: { path: string; source: string }[]): string[] {
  return files.flatMap(({ path: file, source }) =>
    literalsIn(file, source)
      .flatMap(normalisedOperations)
      .flatMap((shape) => {
        const name = byShape.get(shape);
        return name ? [`${file} writes out the contract's ${name}: import it from @access/contract`] : [];
      }),
  );
}

describe("the contract's operations", () => {
  it("are exported by name, each named after its GraphQL operation", () => {
    expect(operations.length).toBeGreaterThan(30);
    for (const { name, document } of operations) {
      const names = document.definitions.flatMap((d) => (d.kind === Kind.OPERATION_DEFINITION ? [d.name?.value] : []));
      expect(names, name).toEqual([name]);
    }
  });

  it("all validate against the printed schema", () => {
    const schema = buildSchema(readFileSync(schemaFile, "utf8"));
    const invalid = operations.flatMap(({ name, document }) =>
      validate(schema, document).map((error) => `${name}: ${error.message}`),
    );
    expect(invalid).toEqual([]);
  });

  it("are not written out again in any file of the repository outside the contract", () => {
    const root = execFileSync("git", ["rev-parse", "--show-toplevel"], { encoding: "utf8" }).trim();
    const tracked = execFileSync("git", ["ls-files", "-z", "--", "*.ts", "*.svelte", "*.js"], {
      cwd: root,
      encoding: "utf8",
    })
      .split("\0")
      .filter((file) => file !== "" && !file.startsWith("packages/contract/"));
    expect(tracked.length).toBeGreaterThan(50);
    const files = tracked.map((file) => ({ path: file, source: readFileSync(path.join(root, file), "utf8") }));
    expect(copiesIn(files)).toEqual([]);
  });
});

describe("the copy finder", () => {
  const file = (name: string, source: string) => [{ path: name, source }];

  it("finds a copy under another operation name, with other variable names, fields reordered and fragments inlined", () => {
    const source = `const q = \`
      mutation Approve($in: DecideTicketInput!) {
        approveTicket(input: $in) { errors { code message field } ...Payload }
      }
      fragment Payload on TicketPayload { ticket { ...TicketDetailFields request { ...RequestState } } }
      \${fragments}\`;`;
    const fragments = print(contract.ApproveTicket)
      .split("\n\nfragment ")
      .slice(1)
      .filter((f) => !f.startsWith("TicketPayloadFields") && !f.startsWith("UserErrorFields"))
      .map((f) => `fragment ${f}`)
      .join("\n");
    // The finder reads a template's literal parts; here they hold the whole copy.
    const copied = source.replace("${fragments}", fragments.replaceAll("`", ""));
    expect(copiesIn(file("apps/x/copy.ts", copied))).toEqual([
      "apps/x/copy.ts writes out the contract's ApproveTicket: import it from @access/contract",
    ]);
  });

  it("finds copies in the scripts of Svelte components", () => {
    const svelte = `<script lang="ts">\n  const q = "query Me { viewer { id email displayName role active createdAt } }";\n</script>\n<p>{q}</p>`;
    expect(copiesIn(file("apps/x/Me.svelte", svelte))).toEqual([
      "apps/x/Me.svelte writes out the contract's Viewer: import it from @access/contract",
    ]);
  });

  it("lets other documents be: a different selection, probes, malformed text", () => {
    const source = [
      `const a = "{ viewer { id } }";`,
      `const b = "query Me { viewer { id email displayName role active } }";`,
      "const c = `subscription { ticketStatusChanged { sequence } }`;",
      `const d = "{ viewer { ";`,
      `const e = "not graphql at all";`,
    ].join("\n");
    expect(copiesIn(file("apps/x/probes.ts", source))).toEqual([]);
  });
});
