// Prints the served schema to packages/contract/schema.graphql (a test keeps it in sync).
import { writeFileSync } from "node:fs";
import path from "node:path";
import { repoRoot } from "../paths.ts";
import { printedSchema } from "../schema/index.ts";

const target = path.join(repoRoot, "packages", "contract", "schema.graphql");
writeFileSync(target, printedSchema());
console.log(`wrote ${path.relative(process.cwd(), target)}`);
