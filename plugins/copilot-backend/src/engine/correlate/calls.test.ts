import {
  observedCalls,
  withObservedCalls,
  type CallSeriesTotal,
} from './calls';
import type { Topology } from './types';

const names: Record<string, string> = {
  checkout: 'component:default/checkout',
  'checkout-v2': 'component:default/checkout',
  payments: 'component:default/payments',
  'orders-db': 'resource:default/orders-db',
  fraud: 'component:default/fraud',
};
const resolve = (n: string) => names[n];

const s = (
  metric: string,
  labels: Record<string, string>,
  sum: number,
  entityRef = '',
): CallSeriesTotal => ({ entityRef, metric, labels, sum });

describe('observedCalls', () => {
  it('reads service graph, mesh and client counters as caller -> callee rates', () => {
    const calls = observedCalls(
      [
        s(
          'traces_service_graph_request_total',
          { client: 'checkout', server: 'payments' },
          600,
        ),
        // Istio: both proxies report; two series of one pair add up.
        s(
          'istio_requests_total',
          {
            source_workload: 'checkout-v2',
            destination_workload: 'payments',
            reporter: 'source',
          },
          300,
        ),
        s(
          'istio_requests_total',
          {
            source_canonical_service: 'payments',
            destination_canonical_service: 'orders-db',
          },
          1200,
        ),
        // Linkerd outbound from the series' own workload; inbound is ignored.
        s(
          'request_total',
          {
            direction: 'outbound',
            deployment: 'payments',
            dst_deployment: 'fraud',
          },
          60,
        ),
        s('request_total', { direction: 'inbound', deployment: 'fraud' }, 999),
        // OTel client counter: the caller is the series' entity.
        s(
          'http.client.request.count',
          { 'server.address': 'fraud' },
          120,
          'Component:default/Checkout',
        ),
        // Unresolvable, self calls, unknown metrics and empty series are left out.
        s(
          'traces_service_graph_request_total',
          { client: 'checkout', server: 'mystery' },
          50,
        ),
        s(
          'traces_service_graph_request_total',
          { client: 'checkout', server: 'checkout' },
          50,
        ),
        s(
          'istio_requests_total',
          { source_workload: 'unknown', destination_workload: 'payments' },
          50,
        ),
        s('http_requests_total', { client: 'checkout', server: 'fraud' }, 50),
        s(
          'traces_service_graph_request_total',
          { client: 'fraud', server: 'payments' },
          0,
        ),
      ],
      resolve,
      60,
    );
    expect(calls).toEqual([
      {
        from: 'component:default/payments',
        to: 'resource:default/orders-db',
        callsPerMinute: 20,
      },
      {
        from: 'component:default/checkout',
        to: 'component:default/payments',
        callsPerMinute: 15,
      },
      {
        from: 'component:default/checkout',
        to: 'component:default/fraud',
        callsPerMinute: 2,
      },
      {
        from: 'component:default/payments',
        to: 'component:default/fraud',
        callsPerMinute: 1,
      },
    ]);
  });
});

describe('withObservedCalls', () => {
  const topology: Topology = {
    nodes: [
      { entityRef: 'component:default/checkout', kind: 'Component' },
      { entityRef: 'component:default/payments', kind: 'Component' },
      { entityRef: 'component:default/fraud', kind: 'Component' },
    ],
    edges: [
      {
        from: 'component:default/checkout',
        to: 'component:default/payments',
        type: 'dependsOn',
      },
      {
        from: 'component:default/checkout',
        to: 'group:default/team',
        type: 'ownedBy',
      },
    ],
  };

  it('puts rates on declared edges and adds undeclared ones between known entities', () => {
    const out = withObservedCalls(topology, [
      {
        from: 'component:default/checkout',
        to: 'component:default/payments',
        callsPerMinute: 15,
      },
      {
        from: 'component:default/payments',
        to: 'component:default/fraud',
        callsPerMinute: 1,
      },
      {
        from: 'component:default/payments',
        to: 'resource:default/orders-db',
        callsPerMinute: 20,
      },
    ]);
    expect(out.edges).toEqual([
      {
        from: 'component:default/checkout',
        to: 'component:default/payments',
        type: 'dependsOn',
        callVolume: 15,
      },
      {
        from: 'component:default/checkout',
        to: 'group:default/team',
        type: 'ownedBy',
      },
      {
        from: 'component:default/payments',
        to: 'component:default/fraud',
        type: 'dependsOn',
        callVolume: 1,
        observed: true,
      },
    ]);
    expect(topology.edges[0].callVolume).toBeUndefined();
    expect(withObservedCalls(topology, [])).toBe(topology);
  });
});
