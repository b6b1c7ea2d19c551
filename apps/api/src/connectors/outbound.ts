// Where connectors may connect. Private ranges and loopback stay allowed (on-premises LDAP and
// SCIM servers live there), but link-local addresses (169.254.0.0/16, fe80::/10, where cloud
// metadata services answer), the unspecified address (0.0.0.0, ::) and the cloud metadata names
// and addresses are refused, unless the operator allows an address in CONNECTOR_ALLOWED_ADDRESSES.
// The check is on the address actually connected to: every connection resolves its name through
// `lookup` here (an answer that changes between a check and the connection — DNS rebinding —
// is checked as it is used), and an address written into a URL is checked as it is.
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from "node:dns";
import { BlockList, isIP } from "node:net";
import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from "node:tls";
import { Agent, fetch as undiciFetch, type RequestInit as UndiciRequestInit } from "undici";

/** Names of cloud metadata services, refused whatever they resolve to. */
const METADATA_NAMES = new Set(["metadata.google.internal", "metadata.goog", "metadata", "metadata.azure.internal"]);

const refused = new BlockList();
refused.addSubnet("169.254.0.0", 16, "ipv4"); // link-local: AWS, GCP, Azure, OpenStack metadata
refused.addSubnet("0.0.0.0", 8, "ipv4"); // "this network": 0.0.0.0 reaches the host itself
refused.addAddress("100.100.100.200", "ipv4"); // Alibaba Cloud metadata
refused.addSubnet("fe80::", 10, "ipv6"); // link-local
refused.addAddress("::", "ipv6"); // unspecified
refused.addAddress("fd00:ec2::254", "ipv6"); // AWS metadata over IPv6

/** A connection the policy refused: a configuration problem, never retried. */
export class OutboundRefused extends Error {
  override name = "OutboundRefused";
}

/** An IPv4 address hidden in an IPv6 one (`::ffff:169.254.169.254`, `::ffff:a9fe:a9fe`), or the address itself. */
function unmapped(address: string): { address: string; family: "ipv4" | "ipv6" } {
  const bare = address.replace(/^\[|\]$/g, "").toLowerCase();
  if (isIP(bare) === 4) return { address: bare, family: "ipv4" };
  const dotted = /^(?:0{0,4}:){0,5}(?:0{0,4}:)?ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(bare);
  if (dotted?.[1]) return { address: dotted[1], family: "ipv4" };
  const hex = /^(?:0{0,4}:){0,5}(?:0{0,4}:)?ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(bare);
  if (hex?.[1] && hex[2]) {
    const high = parseInt(hex[1], 16);
    const low = parseInt(hex[2], 16);
    return { address: [high >> 8, high & 255, low >> 8, low & 255].join("."), family: "ipv4" };
  }
  return { address: bare, family: "ipv6" };
}

export class OutboundPolicy {
  private readonly allowed = new BlockList();

  /** `allow`: addresses and CIDR ranges an operator allows although they would be refused. */
  constructor(allow: readonly string[] = []) {
    for (const entry of allow) {
      const [address = "", bits] = entry.split("/");
      const family = isIP(address) === 6 ? "ipv6" : "ipv4";
      if (bits === undefined) this.allowed.addAddress(address, family);
      else this.allowed.addSubnet(address, Number(bits), family);
    }
  }

  /** Why connecting to `address` (an IP) is refused, or null. */
  refusal(address: string): string | null {
    const { address: ip, family } = unmapped(address);
    if (!refused.check(ip, family) || this.allowed.check(ip, family)) return null;
    return `${address} is a link-local, unspecified or cloud metadata address; allow it in CONNECTOR_ALLOWED_ADDRESSES if it is meant`;
  }

  /** Refuses a host named in a URL before anything is resolved: metadata names, refused literal addresses. */
  checkHost(hostname: string): void {
    const host = hostname.replace(/\.$/, "").toLowerCase();
    if (METADATA_NAMES.has(host)) {
      throw new OutboundRefused(`${hostname} is a cloud metadata service; connectors may not call it`);
    }
    if (isIP(host.replace(/^\[|\]$/g, ""))) {
      const reason = this.refusal(host);
      if (reason) throw new OutboundRefused(reason);
    }
  }

  /** dns.lookup, refusing an answer with an address the policy refuses (each connection's own answer). */
  readonly lookup = (
    hostname: string,
    options: LookupOptions,
    callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    try {
      this.checkHost(hostname);
    } catch (error) {
      callback(error as NodeJS.ErrnoException, "");
      return;
    }
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, "");
      const list = addresses as LookupAddress[];
      const bad = list.map((a) => this.refusal(a.address)).find((reason) => reason !== null);
      if (bad) return callback(new OutboundRefused(bad) as NodeJS.ErrnoException, "");
      if (options.all) return callback(null, list);
      const first = list[0];
      if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: "ENOTFOUND" }), "");
      callback(null, first.address, first.family);
    });
  };

  /** The HTTP(S) client of the webhook and SCIM connectors: every connection through `lookup`. */
  private readonly agent = new Agent({ connect: { lookup: this.lookup } });

  fetch(url: string, init: UndiciRequestInit): ReturnType<typeof undiciFetch> {
    this.checkHost(new URL(url).hostname);
    return undiciFetch(url, { ...init, dispatcher: this.agent });
  }

  /** For the LDAP client: plain and TLS connections through `lookup`. */
  connectPlain = (port: number, host: string): Socket => {
    this.checkHost(host);
    return netConnect({ port, host, lookup: this.lookup });
  };

  connectSecure = (options: ConnectionOptions): TLSSocket => {
    if (options.host) this.checkHost(options.host);
    return tlsConnect({ ...options, lookup: this.lookup });
  };
}

/** The policy's refusal behind an error a client library wrapped (fetch's TypeError, a socket error), if any. */
export function refusalIn(error: unknown): OutboundRefused | null {
  for (let current = error, depth = 0; current && depth < 5; depth += 1) {
    if (current instanceof OutboundRefused) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}
