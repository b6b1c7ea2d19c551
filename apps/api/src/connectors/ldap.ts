// LDAP connector: membership of a groupOfNames. The user's DN is found under `userBaseDn` by
// mail (the identity's email); provisioning adds it to the group's `member` attribute, revocation
// removes it, verification reads the group back. "Value exists" on add and "no such attribute"
// on remove mean the work is already done; a missing group or user is permanent.
import {
  Change,
  Attribute,
  Client,
  EqualityFilter,
  NoSuchAttributeError,
  NoSuchObjectError,
  TypeOrValueExistsError,
  InvalidCredentialsError,
} from "ldapts";
import { type Connector, ConnectorError, type ConnectorSubject } from "./connector.ts";
import type { connect as netConnect } from "node:net";
import type { connect as tlsConnect } from "node:tls";
import { type OutboundPolicy, refusalIn } from "./outbound.ts";

export interface LdapSettings {
  url: string;
  bindDn: string;
  bindPassword: string;
  userBaseDn: string;
  timeoutMs: number;
}

const OBJECT_CLASS_VIOLATION = 65;

export function ldapConnector(settings: LdapSettings, groupDn: string, outbound: OutboundPolicy): Connector {
  async function withClient<T>(work: (client: Client) => Promise<T>): Promise<T> {
    const client = new Client({
      url: settings.url,
      timeout: settings.timeoutMs,
      connectTimeout: settings.timeoutMs,
      // Every connection resolves its host through the outbound policy (outbound.ts). The client
      // calls these as (port, host) and (options): the two forms of net.connect and tls.connect it uses.
      createConnection: outbound.connectPlain as unknown as typeof netConnect,
      createSecureConnection: outbound.connectSecure as unknown as typeof tlsConnect,
    });
    try {
      await client.bind(settings.bindDn, settings.bindPassword);
      return await work(client);
    } catch (error) {
      throw classify(error);
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }

  async function userDn(client: Client, subject: ConnectorSubject): Promise<string> {
    const { searchEntries } = await client.search(settings.userBaseDn, {
      scope: "sub",
      filter: new EqualityFilter({ attribute: "mail", value: subject.identity.email }),
      attributes: ["dn"],
      sizeLimit: 2,
    });
    const entry = searchEntries[0];
    if (!entry)
      throw new ConnectorError(`no LDAP entry under ${settings.userBaseDn} has mail ${subject.identity.email}`, false);
    return entry.dn;
  }

  async function isMember(client: Client, dn: string): Promise<boolean> {
    const { searchEntries } = await client.search(groupDn, { scope: "base", attributes: ["member"] });
    const group = searchEntries[0];
    if (!group) throw new ConnectorError(`LDAP group ${groupDn} does not exist`, false);
    const members = ([] as unknown[]).concat(group.member ?? []).map((m) => String(m).toLowerCase());
    return members.includes(dn.toLowerCase());
  }

  return {
    provision: (subject) =>
      withClient(async (client) => {
        const dn = await userDn(client, subject);
        try {
          await client.modify(
            groupDn,
            new Change({ operation: "add", modification: new Attribute({ type: "member", values: [dn] }) }),
          );
        } catch (error) {
          if (!(error instanceof TypeOrValueExistsError)) throw error;
        }
      }),
    revoke: (subject) =>
      withClient(async (client) => {
        const dn = await userDn(client, subject);
        try {
          await client.modify(
            groupDn,
            new Change({ operation: "delete", modification: new Attribute({ type: "member", values: [dn] }) }),
          );
        } catch (error) {
          if (!(error instanceof NoSuchAttributeError)) throw error;
        }
      }),
    verify: (subject) => withClient(async (client) => isMember(client, await userDn(client, subject))),
    checkHealth: () => withClient(async () => undefined),
  };
}

function classify(error: unknown): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const refused = refusalIn(error);
  if (refused) return new ConnectorError(`LDAP server address refused: ${refused.message}`, false);
  if (error instanceof NoSuchObjectError) return new ConnectorError(`LDAP: no such object (${error.message})`, false);
  if (error instanceof InvalidCredentialsError)
    return new ConnectorError("LDAP: the bind DN or password is wrong", false);
  const code = (error as { code?: number | string }).code;
  if (code === OBJECT_CLASS_VIOLATION) {
    return new ConnectorError(
      "LDAP: the group would be left without members (groupOfNames needs one; keep a placeholder member)",
      false,
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  const unreachable = typeof code === "string" || /ECONNREFUSED|ETIMEDOUT|timeout|connect/i.test(message);
  return new ConnectorError(`LDAP: ${message}`, true, unreachable);
}
