// The dashboard's typed documents come from the contract package (one definition each).
export { graphql, readFragment, type FragmentOf, type ResultOf, type VariablesOf } from "@access/contract";
