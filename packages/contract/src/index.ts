// The public contract as code: typed operations and fragments (one definition each), the labels
// people read for statuses and kinds, and the contract check.
export * from "./graphql.ts";
