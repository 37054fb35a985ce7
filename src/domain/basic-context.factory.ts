import type { ClientRecord } from './client-record';
import type { ContextFactory, HandlerContext, InboundEvent } from './context.types';

/** The plain context {@link BasicContextFactory} builds: identity, payload and the record. */
export interface BasicContext extends HandlerContext {
  readonly record: ClientRecord;
  buffer?: Uint8Array;
  isBinary?: boolean;
}

/**
 * A context factory without send helpers: the default until the application installs its
 * own StelarContext factory, and handy in tests.
 */
export class BasicContextFactory implements ContextFactory<BasicContext> {
  create(record: ClientRecord, inbound?: InboundEvent): BasicContext {
    const ctx: BasicContext = { id: record.id, record };
    if (inbound !== undefined) {
      ctx.event = inbound.event;
      ctx.data = inbound.data;
      ctx.isBinary = inbound.binary;
      if (inbound.bytes !== undefined) ctx.buffer = inbound.bytes;
      if (inbound.request !== undefined) ctx._correlationId = String(inbound.request.id);
    }
    return ctx;
  }
}
