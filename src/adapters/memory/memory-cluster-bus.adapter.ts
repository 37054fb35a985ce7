import { randomUUID } from 'node:crypto';
import type {
  ClusterBus,
  ClusterDelivery,
  ClusterDeliveryHandler,
  ClusterQueryResult,
  ClusterStateProvider,
} from '../../ports/cluster-bus.port';

/**
 * The single-node cluster bus: nothing to publish to, and every query is answered from this
 * node's own state (never partial, one node).
 */
export class MemoryClusterBus implements ClusterBus {
  readonly clustered = false;
  private state: ClusterStateProvider | null = null;

  constructor(readonly nodeId: string = randomUUID()) {}

  async start(_onDelivery: ClusterDeliveryHandler, state: ClusterStateProvider): Promise<void> {
    this.state = state;
  }

  async stop(): Promise<void> {
    this.state = null;
  }

  /** No other node exists: nothing to do. */
  publish(_delivery: ClusterDelivery): void {}

  hasRemoteClient(_clientId: string): boolean {
    return false;
  }

  async rooms(): Promise<ClusterQueryResult<string[]>> {
    return this.local((s) => s.localRooms(), []);
  }

  async roomMembers(room: string): Promise<ClusterQueryResult<string[]>> {
    return this.local((s) => s.localRoomMembers(room), []);
  }

  async clients(room?: string): Promise<ClusterQueryResult<{ id: string; rooms: string[] }[]>> {
    return this.local((s) => s.localClients(room), []);
  }

  async stats(): Promise<ClusterQueryResult<Record<string, number>[]>> {
    return this.local((s) => [s.localStats()], []);
  }

  private local<T>(read: (s: ClusterStateProvider) => T, empty: T): ClusterQueryResult<T> {
    const value = this.state === null ? empty : read(this.state);
    return { value, partial: false, nodes: 1, nodeIds: [this.nodeId] };
  }
}
