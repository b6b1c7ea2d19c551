// What every SCIM handler works with: the database, the admin whose SCIM token called (the actor
// of every change, audited as coming through that token), the query parameters, and the base
// URL that resource locations are written from.
import type { Database } from "../../db/database.ts";
import type { ChangeOrigin } from "../../domain/directory/directory.ts";
import type { Actor } from "../../domain/work.ts";

export interface ScimContext {
  db: Database;
  actor: Actor;
  origin: ChangeOrigin;
  params: URLSearchParams;
  /** The URL of a path under the service: `<base>/scim/v2/<path>` (e.g. `Users/<id>`). */
  location(path: string): string;
}
