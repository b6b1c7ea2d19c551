// SCIM connector (RFC 7643/7644): group membership. The user is found by `userName` (the
// identity's email) with a filter; provisioning PATCHes the mapped group's `members` (add or
// remove) and verification GETs the group and looks for the user. Bearer token auth.
// 2xx (204 included) = done; 404 for the user or group and other 4xx (but 408/429) = permanent;
// 5xx, 408, 429, timeouts and refused connections = retry.
import { type Connector, ConnectorError, type ConnectorSubject } from "./connector.ts";
import { type OutboundPolicy, refusalIn } from "./outbound.ts";

export interface ScimSettings {
  baseUrl: string;
  token: string;
  timeoutMs: number;
}

const SCIM_JSON = "application/scim+json";
const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

export function scimConnector(settings: ScimSettings, groupId: string, outbound: OutboundPolicy): Connector {
  const base = settings.baseUrl.replace(/\/+$/, "");

  async function call(method: string, path: string, body?: unknown): Promise<unknown> {
    let response: Awaited<ReturnType<OutboundPolicy["fetch"]>>;
    try {
      response = await outbound.fetch(`${base}${path}`, {
        method,
        headers: {
          accept: SCIM_JSON,
          authorization: `Bearer ${settings.token}`,
          ...(body ? { "content-type": SCIM_JSON } : {}),
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
        redirect: "error",
        signal: AbortSignal.timeout(settings.timeoutMs),
      });
    } catch (error) {
      const refused = refusalIn(error);
      if (refused) throw new ConnectorError(`SCIM server address refused: ${refused.message}`, false);
      const reason =
        (error as Error).name === "TimeoutError"
          ? `no answer within ${settings.timeoutMs} ms`
          : (error as Error).message;
      throw new ConnectorError(`SCIM server unreachable: ${reason}`, true, true);
    }
    const text = await response.text();
    if (!response.ok) {
      const permanent =
        response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429;
      const detail = text ? ((JSON.parse(text) as { detail?: string }).detail ?? "") : "";
      throw new ConnectorError(
        `SCIM ${method} ${path.split("?")[0]} answered HTTP ${response.status}${detail ? `: ${detail}` : ""}`,
        !permanent,
      );
    }
    return text ? (JSON.parse(text) as unknown) : null;
  }

  async function userId(subject: ConnectorSubject): Promise<string> {
    const filter = encodeURIComponent(`userName eq "${subject.identity.email.replaceAll('"', "")}"`);
    const found = (await call("GET", `/Users?filter=${filter}`)) as { Resources?: { id: string }[] };
    const user = found.Resources?.[0];
    if (!user) throw new ConnectorError(`no SCIM user has userName ${subject.identity.email}`, false);
    return user.id;
  }

  async function members(): Promise<string[]> {
    const group = (await call("GET", `/Groups/${encodeURIComponent(groupId)}?attributes=members`)) as {
      members?: { value: string }[];
    };
    return (group.members ?? []).map((m) => m.value);
  }

  const patch = (operation: unknown) =>
    call("PATCH", `/Groups/${encodeURIComponent(groupId)}`, { schemas: [PATCH_OP], Operations: [operation] });

  return {
    async provision(subject) {
      const id = await userId(subject);
      if ((await members()).includes(id)) return;
      await patch({ op: "add", path: "members", value: [{ value: id }] });
    },
    async revoke(subject) {
      const id = await userId(subject);
      if (!(await members()).includes(id)) return;
      await patch({ op: "remove", path: `members[value eq "${id}"]` });
    },
    async verify(subject) {
      return (await members()).includes(await userId(subject));
    },
    async checkHealth() {
      await call("GET", "/ServiceProviderConfig");
    },
  };
}
