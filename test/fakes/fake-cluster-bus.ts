import type { ClusterBus, ClusterDelivery, ClusterDeliveryHandler, ClusterQueryResult, ClusterStateProvider } from '../../src/ports/cluster-bus.port';

/** A cluster bus that records what is published (clustered, no other node). */
export class FakeClusterBus implements ClusterBus {
  readonly nodeId = 'fake-node';
  readonly published: ClusterDelivery[] = [];

  constructor(readonly clustered = true) {}

  start(_onDelivery: ClusterDeliveryHandler, _state: ClusterStateProvider): Promise<void> {
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }

  publish(delivery: ClusterDelivery): void {
    this.published.push(delivery);
  }

  private none<T>(value: T): Promise<ClusterQueryResult<T>> {
    return Promise.resolve({ value, partial: false, nodes: 1 });
  }

  rooms(): Promise<ClusterQueryResult<string[]>> {
    return this.none([]);
  }

  roomMembers(_room: string): Promise<ClusterQueryResult<string[]>> {
    return this.none([]);
  }

  clients(_room?: string): Promise<ClusterQueryResult<{ id: string; rooms: string[] }[]>> {
    return this.none([]);
  }

  stats(): Promise<ClusterQueryResult<Record<string, number>[]>> {
    return this.none([]);
  }
}
