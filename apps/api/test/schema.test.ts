// The printed schema stays in sync with the served one and keeps the v1 contract; nested
// lists load in a constant number of SQL statements, whatever the page size.
import { readFileSync } from "node:fs";
import { CreateRequest, CreateResource, graphql } from "@access/contract";
import { contractBreaks, schemaFile } from "@access/contract/breaking-changes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { printedSchema, schema } from "../src/schema/index.ts";
import { dataOf, gid, present, startTestServer, type TestServer } from "./harness.ts";

describe("the schema", () => {
  it("is printed to packages/contract/schema.graphql (run `npm run schema:print` after a change)", () => {
    expect(readFileSync(schemaFile, "utf8")).toBe(printedSchema());
  });

  it("keeps every type, field and argument of the v1 contract", () => {
    expect(contractBreaks(schema)).toEqual([]);
  });
});

describe("nested lists", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
    // 24 requests from two requesters over twelve resources: enough tickets for two page sizes.
    for (let i = 0; i < 12; i += 1) {
      const { createResource } = await dataOf(
        t.gql(t.org.tokens.admin, CreateResource, {
          input: { systemId: gid("System", t.org.githubSystemId), name: `N+1 ${i}`, sensitivity: "STANDARD" },
        }),
      );
      const resourceId = present(createResource.resource, "the resource").id;
      for (const who of ["alice", "dave"] as const) {
        const { createRequest } = await dataOf(
          t.gql(t.org.tokens[who], CreateRequest, { input: { resourceIds: [resourceId], justification: "load" } }),
        );
        expect(createRequest.errors).toEqual([]);
      }
    }
  });
  afterAll(() => t.close());

  // A probe, not an operation of the product: one field through every relation a ticket list batches.
  const QUERY = graphql(`
    query NestedListProbe($first: Int) {
      tickets(first: $first) {
        totalCount
        edges {
          node {
            number
            status
            assignees {
              email
            }
            viewerCanApprove
            viewerCannotActReason
            stepCount
            nextStep
            resource {
              name
              system {
                name
              }
            }
            request {
              number
              requester {
                email
              }
              target {
                email
                manager {
                  email
                }
              }
              items {
                status
              }
            }
          }
        }
      }
    }
  `);

  async function statementsFor(first: number): Promise<number> {
    // The notification projector reads what the set-up wrote (tickets, requests, people) for a
    // while after it: measured once it is done.
    await t.server.notifier.settle();
    let count = 0;
    // The live feed (audit trail), the job runner (jobs) and the event delivery worker (endpoints)
    // read in the background: not part of the query.
    const stop = t.server.db.onQuery((sql) => {
      if (!/"(AuditEvent|Job|EventEndpoint)"/.test(sql)) count += 1;
    });
    const res = await t.gql(t.org.tokens.admin, QUERY, { first });
    stop();
    expect(res.errors).toBeUndefined();
    expect(res.data?.tickets.edges).toHaveLength(first);
    return count;
  }

  it("runs the same number of SQL statements for 5 and 20 tickets", async () => {
    // The server's background work (live feed, job runner) may add a statement to a window but
    // never remove one: the fewest of three runs is the query's own count.
    const fewest = async (first: number) =>
      Math.min(...[await statementsFor(first), await statementsFor(first), await statementsFor(first)]);
    const small = await fewest(5);
    const large = await fewest(20);
    expect(large).toBe(small);
    // 20 before issue 16; the chain's words (Ticket.nextStep: the resource's steps with their group
    // and approvers, the system's fulfillers group) add three batched reads per page.
    expect(small).toBeLessThanOrEqual(23);
  });
});
