// `npm run contract:check [-- <schema.graphql | http(s)://host/graphql> [token]]`: checks that a
// schema keeps the v1 contract. Without an argument it checks the printed schema in this
// package; with a URL it introspects a running server (a token if the server needs one).
// Exit 0 when the contract holds, 1 when it does not, 2 on bad usage or an unreachable server.
import { readFileSync } from "node:fs";
import {
  buildClientSchema,
  buildSchema,
  getIntrospectionQuery,
  type GraphQLSchema,
  type IntrospectionQuery,
} from "graphql";
import { contractBreaks, schemaFile } from "../breaking-changes.ts";

async function introspect(url: string, token: string | undefined): Promise<GraphQLSchema> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query: getIntrospectionQuery() }),
  });
  const body = (await response.json()) as { data?: IntrospectionQuery; errors?: unknown };
  if (!body.data)
    throw new Error(`introspection failed (HTTP ${response.status}): ${JSON.stringify(body.errors ?? body)}`);
  return buildClientSchema(body.data);
}

const [target = schemaFile, token] = process.argv.slice(2);
let served: GraphQLSchema;
try {
  served = /^https?:\/\//.test(target) ? await introspect(target, token) : buildSchema(readFileSync(target, "utf8"));
} catch (error) {
  console.error(`contract:check: ${(error as Error).message}`);
  process.exit(2);
}
const breaks = contractBreaks(served);
for (const change of breaks) console.log(`${change.type}: ${change.description}`);
console.log(
  breaks.length === 0 ? "contract holds: 0 breaking changes" : `contract broken: ${breaks.length} breaking changes`,
);
process.exit(breaks.length === 0 ? 0 : 1);
