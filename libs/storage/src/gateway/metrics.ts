import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { BindingKind } from './route.js';

/**
 * The gateway's Prometheus metrics: binding calls by kind and status, and their duration. No app
 * or resource labels: the endpoint is reachable from app containers (as /healthz is), and per-app
 * series would grow without bound.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly calls: Counter<'kind' | 'status'>;
  private readonly seconds: Histogram<'kind'>;

  constructor() {
    this.registry.setDefaultLabels({ service: 'gateway' });
    collectDefaultMetrics({ register: this.registry, prefix: 'kiln_' });
    const registers = [this.registry];
    this.calls = new Counter({
      name: 'kiln_binding_requests_total',
      help: 'Binding calls answered, by binding kind (kv, r2, d1) and HTTP status.',
      labelNames: ['kind', 'status'] as const,
      registers,
    });
    this.seconds = new Histogram({
      name: 'kiln_binding_request_duration_seconds',
      help: 'Time from a binding call arriving to its answer starting, by binding kind.',
      labelNames: ['kind'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
      registers,
    });
  }

  /** Starts timing a call; the returned function records it with the answer's status. */
  start(kind: BindingKind): (status: number) => void {
    const end = this.seconds.startTimer({ kind });
    return (status) => {
      end();
      this.calls.inc({ kind, status: String(status) });
    };
  }
}
