// The schema is the integrator's manual (GraphiQL's docs pane): every type, field, argument,
// enum value and input field of the printed schema carries a description. Built-in scalars and
// introspection types are graphql-js's own and exempt.
import { readFileSync } from "node:fs";
import {
  buildSchema,
  type GraphQLSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isSpecifiedScalarType,
} from "graphql";
import { describe, expect, it } from "vitest";
import { schemaFile } from "../src/breaking-changes.ts";

const described = (description: string | null | undefined): boolean => (description ?? "").trim().length > 0;

/** Every schema coordinate (`Type`, `Type.field`, `Type.field(arg:)`, `Enum.VALUE`) without a description. */
function undescribed(schema: GraphQLSchema): string[] {
  const missing: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith("__") || isSpecifiedScalarType(type)) continue;
    if (!described(type.description)) missing.push(type.name);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (!described(field.description)) missing.push(`${type.name}.${field.name}`);
        for (const arg of field.args) {
          if (!described(arg.description)) missing.push(`${type.name}.${field.name}(${arg.name}:)`);
        }
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (!described(field.description)) missing.push(`${type.name}.${field.name}`);
      }
    } else if (isEnumType(type)) {
      for (const value of type.getValues()) {
        if (!described(value.description)) missing.push(`${type.name}.${value.name}`);
      }
    }
  }
  return missing.sort();
}

describe("the schema's documentation", () => {
  it("describes every type, field, argument, enum value and input field", () => {
    expect(undescribed(buildSchema(readFileSync(schemaFile, "utf8")))).toEqual([]);
  });

  it("names each undescribed part by its schema coordinate", () => {
    const schema = buildSchema(`
      """Entry points."""
      type Query {
        """One thing."""
        thing(id: ID!): Thing
        things(filter: Filter): [Thing!]!
      }
      type Thing { id: ID! }
      """How to filter."""
      input Filter { kind: Kind }
      """Kinds."""
      enum Kind {
        """The first."""
        A
        B
      }
      scalar DateTime
    `);
    expect(undescribed(schema)).toEqual([
      "DateTime",
      "Filter.kind",
      "Kind.B",
      "Query.thing(id:)",
      "Query.things",
      "Query.things(filter:)",
      "Thing",
      "Thing.id",
    ]);
  });
});
