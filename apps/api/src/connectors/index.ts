// Builds the connector of a system from its stored settings, resolving secret references.
import type { ConnectorKind } from "../generated/prisma/client.ts";
import { type Connector, ConnectorError } from "./connector.ts";
import type { OutboundPolicy } from "./outbound.ts";
import { readStoredConfig } from "./settings.ts";
import { ldapConnector } from "./ldap.ts";
import { scimConnector } from "./scim.ts";
import { webhookConnector } from "./webhook.ts";

export interface SystemSettings {
  connector: ConnectorKind;
  connectorConfig: string | null;
}

export function connectorFor(
  system: SystemSettings,
  connectorTarget: string | null,
  resolveSecret: (reference: string) => string | undefined,
  outbound: OutboundPolicy,
): Connector {
  const config = readStoredConfig(system.connector, system.connectorConfig);
  switch (config.kind) {
    case "WEBHOOK": {
      const secret = resolveSecret(config.secret);
      if (!secret)
        throw new ConnectorError(`the webhook secret ${config.secret.slice(4)} is not set on this server`, false);
      const fields = connectorTarget ? (JSON.parse(connectorTarget) as Record<string, unknown>) : {};
      return webhookConnector({ url: config.url, secret, timeoutMs: config.timeoutMs }, fields, outbound);
    }
    case "SCIM": {
      const token = resolveSecret(config.token);
      if (!token) throw new ConnectorError(`the SCIM token ${config.token.slice(4)} is not set on this server`, false);
      const groupId = connectorTarget ? (JSON.parse(connectorTarget) as { groupId?: string }).groupId : undefined;
      // Health checks have no resource: any group id will do for a connector only asked for health.
      return scimConnector({ baseUrl: config.baseUrl, token, timeoutMs: config.timeoutMs }, groupId ?? "", outbound);
    }
    case "LDAP": {
      const bindPassword = resolveSecret(config.bindPassword);
      if (!bindPassword)
        throw new ConnectorError(
          `the LDAP bind password ${config.bindPassword.slice(4)} is not set on this server`,
          false,
        );
      const groupDn = connectorTarget ? ((JSON.parse(connectorTarget) as { groupDn?: string }).groupDn ?? "") : "";
      return ldapConnector(
        {
          url: config.url,
          bindDn: config.bindDn,
          bindPassword,
          userBaseDn: config.userBaseDn,
          timeoutMs: config.timeoutMs,
        },
        groupDn,
        outbound,
      );
    }
    case "MANUAL":
      throw new ConnectorError("MANUAL systems have no connector", false);
  }
}
