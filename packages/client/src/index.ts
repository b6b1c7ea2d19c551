// @access/client: a typed client for the access-request API (Node and browsers).
export { createAccessClient, graphqlEndpoint, type AccessClient, type AccessClientOptions } from "./client.ts";
export { AccessError, type GraphQLErrorShape } from "./errors.ts";
export { LiveConnection, TRY_AGAIN_LATER, type ConnectionState, type LiveOptions } from "./live.ts";
export type { Token } from "./request.ts";
