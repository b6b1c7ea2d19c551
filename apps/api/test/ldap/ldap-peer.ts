// A real OpenLDAP server for the LDAP connector's tests: slapd (Debian's slapd package) in the
// foreground on 127.0.0.1, with a throwaway configuration and database in a temporary folder.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

export const LDAP_SUFFIX = "dc=example,dc=com";
export const LDAP_ADMIN_DN = `cn=admin,${LDAP_SUFFIX}`;
export const LDAP_ADMIN_PASSWORD = "ldap-test-password";

export interface LdapPeer {
  url: string;
  groupDn(name: string): string;
  /** Creates a groupOfNames with a placeholder member (the admin). */
  addGroup(name: string): Promise<string>;
  members(groupDn: string): string[];
  addMember(groupDn: string, memberDn: string): void;
  stop(): Promise<void>;
  start(): Promise<void>;
  remove(): Promise<void>;
}

const SLAPD = process.env.SLAPD_PATH ?? "/usr/sbin/slapd";

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

const seed = `dn: ${LDAP_SUFFIX}
objectClass: dcObject
objectClass: organization
dc: example
o: Example

dn: ou=people,${LDAP_SUFFIX}
objectClass: organizationalUnit
ou: people

dn: ou=groups,${LDAP_SUFFIX}
objectClass: organizationalUnit
ou: groups

dn: uid=alice,ou=people,${LDAP_SUFFIX}
objectClass: inetOrgPerson
uid: alice
cn: Alice Employee
sn: Employee
mail: alice@example.com
`;

/** Fails with the one line that fixes it when OpenLDAP's programs are not installed. */
function requireOpenLdap(): void {
  const missing = [SLAPD, "slapadd", "ldapmodify", "ldapsearch"].filter((program) => {
    try {
      execFileSync("sh", ["-c", `command -v "${program}"`], { stdio: "ignore" });
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length > 0) {
    throw new Error(
      `npm run test:ldap needs OpenLDAP (${missing.join(", ")} not found): apt-get install slapd ldap-utils`,
    );
  }
}

export async function startLdapPeer(): Promise<LdapPeer> {
  requireOpenLdap();
  const dir = mkdtempSync(path.join(tmpdir(), "access-ldap-"));
  const dataDir = path.join(dir, "data");
  mkdirSync(dataDir);
  const conf = path.join(dir, "slapd.conf");
  writeFileSync(
    conf,
    [
      ...["core", "cosine", "inetorgperson", "nis"].map((s) => `include /etc/ldap/schema/${s}.schema`),
      `pidfile ${path.join(dir, "slapd.pid")}`,
      "modulepath /usr/lib/ldap",
      "moduleload back_mdb",
      "database mdb",
      `suffix "${LDAP_SUFFIX}"`,
      `rootdn "${LDAP_ADMIN_DN}"`,
      `rootpw ${LDAP_ADMIN_PASSWORD}`,
      `directory ${dataDir}`,
      "",
    ].join("\n"),
  );
  writeFileSync(path.join(dir, "seed.ldif"), seed);
  execFileSync("slapadd", ["-f", conf, "-l", path.join(dir, "seed.ldif")], { stdio: "pipe" });
  const port = await freePort();
  const url = `ldap://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;

  const ldapmodify = (ldif: string) =>
    execFileSync("ldapmodify", ["-x", "-H", url, "-D", LDAP_ADMIN_DN, "-w", LDAP_ADMIN_PASSWORD], {
      input: ldif,
      stdio: ["pipe", "pipe", "pipe"],
    });

  const start = async () => {
    child = spawn(SLAPD, ["-f", conf, "-h", `${url}/`, "-d", "0"], { stdio: "ignore" });
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        execFileSync("ldapsearch", ["-x", "-H", url, "-b", LDAP_SUFFIX, "-s", "base", "-LLL", "dn"], { stdio: "pipe" });
        return;
      } catch {
        if (Date.now() > deadline) throw new Error("slapd did not start");
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };
  const stop = () =>
    new Promise<void>((resolve) => {
      const running = child;
      if (!running || running.exitCode !== null) return resolve();
      running.once("exit", () => resolve());
      running.kill("SIGTERM");
    });
  await start();
  const groupDn = (name: string) => `cn=${name},ou=groups,${LDAP_SUFFIX}`;
  return {
    url,
    groupDn,
    async addGroup(name) {
      ldapmodify(
        `dn: ${groupDn(name)}\nchangetype: add\nobjectClass: groupOfNames\ncn: ${name}\nmember: ${LDAP_ADMIN_DN}\n`,
      );
      return groupDn(name);
    },
    addMember(dn, memberDn) {
      ldapmodify(`dn: ${dn}\nchangetype: modify\nadd: member\nmember: ${memberDn}\n`);
    },
    members(dn) {
      const out = execFileSync("ldapsearch", ["-x", "-H", url, "-b", dn, "-s", "base", "-LLL", "member"], {
        encoding: "utf8",
      });
      return out
        .split("\n")
        .filter((line) => line.startsWith("member: "))
        .map((line) => line.slice("member: ".length));
    },
    stop,
    start,
    async remove() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
