// `npm run audit:deps`: the production dependency tree (package-lock.json, dev packages left out)
// checked against known advisories, from the first source that answers:
//   1. ADVISORY_DB: a folder (or one JSON file) of OSV advisories for the npm ecosystem, e.g. an
//      unpacked https://osv-vulnerabilities.storage.googleapis.com/npm/all.zip: works offline;
//   2. the registry's audit endpoint (`npm audit --omit=dev --json`).
// High and critical findings fail (exit 1); when no source answers it says so and exits 0 with
// "not checked" (this project's build machines cannot reach an advisory service), so CI runs it
// everywhere and it bites wherever a source exists. docs/security.md, "Dependencies".
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import semver from "semver";
import { repoRoot } from "../paths.ts";

export interface InstalledPackage {
  name: string;
  version: string;
}

export interface Finding {
  name: string;
  version: string;
  id: string;
  severity: string;
  summary: string;
}

/** The production packages of a package-lock.json (lockfile v2/v3), each name@version once. */
export function productionPackages(lockfile: string): InstalledPackage[] {
  const lock = JSON.parse(lockfile) as {
    packages?: Record<string, { version?: string; dev?: boolean; link?: boolean }>;
  };
  const seen = new Map<string, InstalledPackage>();
  for (const [where, entry] of Object.entries(lock.packages ?? {})) {
    const at = where.lastIndexOf("node_modules/");
    if (at < 0 || entry.dev || entry.link || !entry.version) continue;
    const name = where.slice(at + "node_modules/".length);
    seen.set(`${name}@${entry.version}`, { name, version: entry.version });
  }
  return [...seen.values()];
}

interface OsvAdvisory {
  id: string;
  summary?: string;
  database_specific?: { severity?: string };
  affected?: {
    package?: { ecosystem?: string; name?: string };
    versions?: string[];
    ranges?: { type?: string; events?: { introduced?: string; fixed?: string; last_affected?: string }[] }[];
  }[];
}

/** Whether `version` falls in one OSV SEMVER range (events in order: introduced, then fixed or last_affected). */
function inRange(
  version: string,
  events: NonNullable<NonNullable<OsvAdvisory["affected"]>[number]["ranges"]>[number]["events"],
): boolean {
  let affected = false;
  for (const event of events ?? []) {
    if (event.introduced !== undefined) {
      if (event.introduced === "0" || semver.gte(version, event.introduced)) affected = true;
    } else if (event.fixed !== undefined) {
      if (semver.gte(version, event.fixed)) affected = false;
    } else if (event.last_affected !== undefined) {
      if (semver.gt(version, event.last_affected)) affected = false;
    }
  }
  return affected;
}

/** The advisories of `advisories` that affect one of `packages`. */
export function matchOsv(packages: readonly InstalledPackage[], advisories: readonly OsvAdvisory[]): Finding[] {
  const byName = new Map<string, InstalledPackage[]>();
  for (const p of packages) byName.set(p.name, [...(byName.get(p.name) ?? []), p]);
  const findings: Finding[] = [];
  for (const advisory of advisories) {
    for (const affected of advisory.affected ?? []) {
      if (affected.package?.ecosystem !== "npm" || !affected.package.name) continue;
      for (const installed of byName.get(affected.package.name) ?? []) {
        if (!semver.valid(installed.version)) continue;
        const listed = affected.versions?.includes(installed.version) ?? false;
        const ranged = (affected.ranges ?? []).some((r) => r.type === "SEMVER" && inRange(installed.version, r.events));
        if (listed || ranged) {
          findings.push({
            name: installed.name,
            version: installed.version,
            id: advisory.id,
            severity: (advisory.database_specific?.severity ?? "unknown").toLowerCase(),
            summary: advisory.summary ?? "",
          });
        }
      }
    }
  }
  return findings;
}

/** Every advisory JSON under `location` (a folder, read recursively, or one file holding one or a list). */
export function readOsv(location: string): OsvAdvisory[] {
  if (statSync(location).isDirectory()) {
    return readdirSync(location).flatMap((entry) => readOsv(path.join(location, entry)));
  }
  if (!location.endsWith(".json")) return [];
  const parsed = JSON.parse(readFileSync(location, "utf8")) as OsvAdvisory | OsvAdvisory[];
  return Array.isArray(parsed) ? parsed : [parsed];
}

const FAILING = new Set(["high", "critical"]);

export interface CheckResult {
  source: string;
  checked: boolean;
  findings: Finding[];
}

/** The check itself: the first advisory source that answers, or "not checked" with the reason. */
export function checkAdvisories(root: string, env: Record<string, string | undefined>): CheckResult {
  const packages = productionPackages(readFileSync(path.join(root, "package-lock.json"), "utf8"));
  if (env.ADVISORY_DB) {
    return {
      source: `OSV advisories in ${env.ADVISORY_DB}`,
      checked: true,
      findings: matchOsv(packages, readOsv(env.ADVISORY_DB)),
    };
  }
  const audit = spawnSync("npm", ["audit", "--omit=dev", "--json"], { cwd: root, encoding: "utf8", timeout: 60_000 });
  try {
    const report = JSON.parse(audit.stdout) as {
      vulnerabilities?: Record<string, { name: string; severity: string; via: unknown[]; range?: string }>;
      message?: string;
    };
    if (report.vulnerabilities) {
      const findings = Object.values(report.vulnerabilities).map((v) => ({
        name: v.name,
        version: v.range ?? "",
        id: "npm audit",
        severity: v.severity,
        summary: v.via
          .map((via) => (typeof via === "string" ? via : ((via as { title?: string }).title ?? "")))
          .join("; "),
      }));
      return { source: "the registry's audit endpoint", checked: true, findings };
    }
    return { source: `none (npm audit: ${report.message ?? "no answer"})`, checked: false, findings: [] };
  } catch {
    return {
      source: `none (npm audit: ${audit.stderr.trim().split("\n").at(-1) ?? "no answer"})`,
      checked: false,
      findings: [],
    };
  }
}

function main(): void {
  const result = checkAdvisories(repoRoot, process.env);
  if (!result.checked) {
    console.log(
      `advisories: not checked — no advisory source answered: ${result.source}. Set ADVISORY_DB to an OSV export to check offline.`,
    );
    return;
  }
  const failing = result.findings.filter((f) => FAILING.has(f.severity));
  for (const f of result.findings) console.log(`${f.severity}\t${f.name}@${f.version}\t${f.id}\t${f.summary}`);
  console.log(
    `advisories: ${result.findings.length} finding(s), ${failing.length} high or critical, from ${result.source}.`,
  );
  if (failing.length > 0) process.exitCode = 1;
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) main();
