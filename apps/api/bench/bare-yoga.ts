// The framework floor of `npm run bench` (figure 1b): a bare graphql-yoga server — the product's
// yoga version, no plugins, no authentication, no database at request time — answering
// `{ viewer { id displayName } }` with the same JSON as the product, from memory. What the
// product spends above this is its own (authentication, Pothos, its plugins), not yoga's.
import { createServer } from "node:http";
import Sqlite from "better-sqlite3";
import { createSchema, createYoga } from "graphql-yoga";

const port = Number(process.env.PORT ?? 0);
const viewerId = process.env.BENCH_VIEWER_ID ?? "";

// Read once at start: the identity whose token the product's figure uses.
const db = new Sqlite(process.env.BENCH_DB ?? "", { readonly: true });
const row = db.prepare(`SELECT id, displayName FROM Identity WHERE id = ?`).get(viewerId) as {
  id: string;
  displayName: string;
};
db.close();
const viewer = { id: Buffer.from(`Identity:${row.id}`).toString("base64"), displayName: row.displayName };

const yoga = createYoga({
  schema: createSchema({
    typeDefs: /* GraphQL */ `
      type Viewer {
        id: ID!
        displayName: String!
      }
      type Query {
        viewer: Viewer
      }
    `,
    resolvers: { Query: { viewer: () => viewer } },
  }),
  graphqlEndpoint: "/graphql",
  // Off as in the product: neither serves anything on the measured path.
  graphiql: false,
  landingPage: false,
  logging: false,
});

createServer(yoga).listen(port, "127.0.0.1", () => console.log("ready"));
