// Human-friendly numbers (REQ-n, TKT-n), allocated inside the writing transaction so a rolled
// back change leaves no hole and two writers never share a number.
import type { Client } from "../db/database.ts";
import type { Tx } from "./work.ts";

export async function nextNumber(tx: Tx, name: "request" | "ticket"): Promise<number> {
  const counter = await tx.counter.update({ where: { name }, data: { value: { increment: 1 } } });
  return counter.value;
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
