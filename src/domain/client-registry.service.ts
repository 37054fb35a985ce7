import type { Protocol } from '../ports/connection.port';
import type { ClusterInterest } from '../ports/cluster-bus.port';
import type { ClientRecord } from './client-record';

/** Registered (admitted) clients: O(1) by id, live counts per protocol. */
export class ClientRegistry {
  private readonly byId = new Map<string, ClientRecord>();
  private readonly perProtocol = new Map<Protocol, number>();
  private total = 0;
  /** Told of every registration and removal (the cluster's client → node directory). */
  private interest: Pick<ClusterInterest, 'clientAdded' | 'clientRemoved'> | null = null;

  /** Reports registrations and removals to `interest` from now on (null: to nobody). */
  setInterest(interest: Pick<ClusterInterest, 'clientAdded' | 'clientRemoved'> | null): void {
    this.interest = interest;
  }

  /** Registers `record`; throws if the id is already taken (a broken `generateClientId`). */
  add(record: ClientRecord): void {
    if (this.byId.has(record.id)) throw new RangeError(`Client id "${record.id}" is already in use`);
    this.byId.set(record.id, record);
    this.perProtocol.set(record.protocol, (this.perProtocol.get(record.protocol) ?? 0) + 1);
    this.total++;
    this.interest?.clientAdded(record.id);
  }

  /** Removes and returns the record, or undefined when it was not registered. */
  remove(id: string): ClientRecord | undefined {
    const record = this.byId.get(id);
    if (record === undefined) return undefined;
    this.byId.delete(id);
    this.perProtocol.set(record.protocol, (this.perProtocol.get(record.protocol) ?? 1) - 1);
    this.interest?.clientRemoved(id);
    return record;
  }

  get(id: string): ClientRecord | undefined {
    return this.byId.get(id);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** Clients registered now. */
  get size(): number {
    return this.byId.size;
  }

  /** Clients registered now on one transport. */
  count(protocol: Protocol): number {
    return this.perProtocol.get(protocol) ?? 0;
  }

  /** Every client ever registered (StelarStats.totalConnections). */
  get totalConnected(): number {
    return this.total;
  }

  values(): IterableIterator<ClientRecord> {
    return this.byId.values();
  }

  ids(): IterableIterator<string> {
    return this.byId.keys();
  }

  [Symbol.iterator](): IterableIterator<ClientRecord> {
    return this.byId.values();
  }
}
