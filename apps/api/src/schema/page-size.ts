// Page sizes are 1 to 100 (DESIGN.md, "Limits"). Pothos would clamp silently; this small plugin
// refuses out-of-range `first`/`last` on every connection field with a VALIDATION error instead.
import SchemaBuilder, { BasePlugin, type PothosOutputFieldConfig, type SchemaTypes } from "@pothos/core";
import { GraphQLError, type GraphQLFieldResolver } from "graphql";

const MIN = 1;
const MAX = 100;

function check(args: Record<string, unknown>, name: "first" | "last"): void {
  const value = args[name];
  if (value == null) return;
  if (typeof value !== "number" || value < MIN || value > MAX) {
    throw new GraphQLError(`"${name}" must be between ${MIN} and ${MAX}.`, {
      extensions: { code: "VALIDATION", field: [name] },
    });
  }
}

export class PageSizePlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override wrapResolve(
    resolver: GraphQLFieldResolver<unknown, Types["Context"], object>,
    fieldConfig: PothosOutputFieldConfig<Types>,
  ): GraphQLFieldResolver<unknown, Types["Context"], object> {
    if (!("first" in fieldConfig.args) && !("last" in fieldConfig.args)) return resolver;
    return (parent, args, context, info) => {
      check(args as Record<string, unknown>, "first");
      check(args as Record<string, unknown>, "last");
      return resolver(parent, args, context, info);
    };
  }
}

declare global {
  // Pothos plugins extend its types through this global namespace (its documented pattern).
  // eslint-disable-next-line @typescript-eslint/no-namespace
  export namespace PothosSchemaTypes {
    export interface Plugins<Types extends SchemaTypes> {
      pageSize: PageSizePlugin<Types>;
    }
  }
}

const pluginName = "pageSize" as const;
SchemaBuilder.registerPlugin(pluginName, PageSizePlugin);
export default pluginName;
