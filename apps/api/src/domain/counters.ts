// Human-friendly numbers (REQ-n, TKT-n), allocated inside the writing transaction so a rolled
// back change leaves no hole and two writers never share a number.
import type { Tx } from "./work.ts";

export async function nextNumber(tx: Tx, name: "request" | "ticket"): Promise<number> {
  const counter = await tx.counter.update({ where: { name }, data: { value: { increment: 1 } } });
  return counter.value;
}
