// The public contract as code: typed operations and fragments (one definition each), the labels
// people read for statuses and kinds. (The contract check is its own entry point,
// `@access/contract/breaking-changes`: it reads files.)
export * from "./graphql.ts";
export * from "./labels.ts";
export * from "./operations/fragments.ts";
export * from "./operations/viewer.ts";
export * from "./operations/nodes.ts";
export * from "./operations/requests.ts";
export * from "./operations/tickets.ts";
export * from "./operations/catalog.ts";
export * from "./operations/directory.ts";
export * from "./operations/grants.ts";
export * from "./operations/tokens.ts";
export * from "./operations/sessions.ts";
export * from "./operations/audit.ts";
export * from "./operations/live.ts";
export * from "./operations/reviews.ts";
export * from "./operations/routing.ts";
export * from "./operations/events.ts";
export * from "./operations/notifications.ts";
export * from "./operations/insights.ts";
