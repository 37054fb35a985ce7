import { ClientRecord } from '../../../src/domain/client-record';
import { FakeConnection } from '../../fakes/fake-connection';

/** A record on a fresh FakeConnection. */
export function record(id: string, protocol: 'ws' | 'tcp' = 'ws', ip = '10.0.0.1'): ClientRecord {
  return new ClientRecord(id, new FakeConnection(protocol, ip), 1000);
}
