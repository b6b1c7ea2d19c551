// Human-friendly numbers (REQ-n, TKT-n), allocated inside the writing transaction so a rolled
// back change leaves no hole and two writers never share a number.
import type { Client } from "../db/database.ts";
import type { Work } from "./work.ts";

/** One raw `UPDATE … RETURNING` on the transaction's connection (db/statements.ts). */
export async function nextNumber(work: Pick<Work, "sql">, name: "request" | "ticket" | "review"): Promise<number> {
  return work.sql.nextNumber(name);
}

/**
 * How many requests exist. Requests are never deleted and each takes the next number in the
 * transaction that creates it (a rollback returns it), so the counter is their exact count: one
 * row read instead of a COUNT over the whole table (the admins' unfiltered list shows it).
 */
export async function countAllRequests(client: Client): Promise<number> {
  const counter = await client.counter.findUnique({ where: { name: "request" }, select: { value: true } });
  return counter?.value ?? 0;
}
