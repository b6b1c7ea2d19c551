// OpenTelemetry traces, only when OTEL_EXPORTER_OTLP_ENDPOINT (or the traces endpoint) is set:
// `startTracing` then loads the SDK (a dynamic import: without the setting it is never loaded)
// and registers a tracer provider that batches spans to the collector over OTLP/HTTP (JSON).
// Spans: one per GraphQL operation (graphql/… plugin below), one per database transaction
// (db/database.ts), one per connector call (observability/connectors.ts). The code that makes
// spans goes through `inSpan`, which runs the work as it is while tracing is off: no span object,
// no context switch.
import { type Attributes, context, type Span, SpanKind, SpanStatusCode, trace, type Tracer } from "@opentelemetry/api";
import type { Plugin } from "graphql-yoga";
import { getOperationAST } from "graphql";
import type { TracingConfig } from "../config.ts";

let tracer: Tracer | null = null;

/** Whether spans are being made (tests; the code itself just calls `inSpan`). */
export const tracingEnabled = (): boolean => tracer !== null;

/** The running tracing of this process: flushes and stops it. */
export interface Tracing {
  /** Sends the spans still in the batch now. */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** The process's tracing while it runs, and how many servers use it. */
let running: { tracing: Tracing; users: number } | null = null;

/**
 * Starts tracing for the process (one provider per process, as OpenTelemetry has one global
 * provider): later calls while it runs share it, and the last `shutdown` stops it.
 */
export async function startTracing(config: TracingConfig): Promise<Tracing> {
  if (running) {
    running.users += 1;
    return running.tracing;
  }
  const [{ NodeTracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, { resourceFromAttributes }] =
    await Promise.all([
      import("@opentelemetry/sdk-trace-node"),
      import("@opentelemetry/exporter-trace-otlp-http"),
      import("@opentelemetry/resources"),
    ]);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ "service.name": config.serviceName }),
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url: config.tracesUrl, headers: config.headers }), {
        scheduledDelayMillis: 1_000,
      }),
    ],
  });
  // Registers the provider and an AsyncLocalStorage context manager, so spans started inside an
  // operation's execution (its transactions, connector calls) become its children.
  provider.register();
  tracer = trace.getTracer("access-requests");
  const tracing: Tracing = {
    flush: () => provider.forceFlush(),
    async shutdown() {
      if (!running) return;
      running.users -= 1;
      if (running.users > 0) return;
      running = null;
      tracer = null;
      await provider.shutdown();
      trace.disable();
      context.disable();
    },
  };
  running = { tracing, users: 1 };
  return tracing;
}

function endWith(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

/**
 * Runs `work` inside a span named `name` (a child of the active span), ending it when the work
 * settles and marking it failed when the work throws. Without tracing, just runs the work.
 */
export function inSpan<T>(name: string, attributes: Attributes, work: () => Promise<T>): Promise<T> {
  if (!tracer) return work();
  return tracer.startActiveSpan(name, { attributes, kind: SpanKind.INTERNAL }, async (span) => {
    try {
      return await work();
    } catch (error) {
      endWith(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/**
 * A span per GraphQL operation (`query Me`, `mutation Ask`, as OpenTelemetry's GraphQL
 * conventions name them), around its execution, so the transactions and connector calls it makes
 * are its children. Subscriptions get a span for their start only (they last as long as the client
 * wants). Added to yoga only when tracing runs.
 */
export const tracingPlugin: Plugin = {
  instrumentation: {
    execute(_payload, wrapped) {
      if (!tracer) return wrapped();
      return tracer.startActiveSpan("graphql.execute", { kind: SpanKind.SERVER }, async (span) => {
        try {
          await wrapped();
        } catch (error) {
          endWith(span, error);
          throw error;
        } finally {
          span.end();
        }
      });
    },
  },
  onExecute({ args }) {
    const span = trace.getActiveSpan();
    if (!tracer || !span) return;
    const operation = getOperationAST(args.document, args.operationName);
    const type = operation?.operation ?? "query";
    const name = operation?.name?.value ?? args.operationName ?? undefined;
    span.updateName(name ? `${type} ${name}` : type);
    span.setAttributes({ "graphql.operation.type": type, ...(name ? { "graphql.operation.name": name } : {}) });
    return {
      onExecuteDone({ result }) {
        if (!("errors" in result) || !result.errors?.length) return;
        span.setStatus({ code: SpanStatusCode.ERROR, message: result.errors[0]?.message });
      },
    };
  },
};
