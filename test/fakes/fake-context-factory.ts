import type { ClientRecord } from '../../src/domain/client-record';
import type { ContextFactory, HandlerContext, InboundEvent } from '../../src/domain/context.types';

/** A minimal context: what the domain passes, plus the record and inbound for assertions. */
export interface FakeContext extends HandlerContext {
  readonly record: ClientRecord;
  readonly inbound?: InboundEvent;
  buffer?: Uint8Array;
}

/** Builds FakeContexts and counts them. */
export class FakeContextFactory implements ContextFactory<FakeContext> {
  created = 0;

  create(record: ClientRecord, inbound?: InboundEvent): FakeContext {
    this.created++;
    return {
      id: record.id,
      record,
      inbound,
      event: inbound?.event,
      data: inbound?.data,
      buffer: inbound?.bytes,
      _correlationId: inbound?.request ? String(inbound.request.id) : undefined,
    };
  }
}
