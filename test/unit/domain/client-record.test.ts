import { ClientRecord, ClientState, MAX_REQUESTS_IN_FLIGHT } from '../../../src/domain/client-record';
import type { StoredSession } from '../../../src/ports/session-store.port';
import { FakeConnection } from '../../fakes/fake-connection';

/** The record's own fields (what an idle connection pays for on the heap, 8 bytes each). */
function ownFields(r: ClientRecord): string[] {
  return Object.keys(r);
}

describe('ClientRecord (per-connection state, idle memory)', () => {
  it('an idle record without recovery holds seven fields (the state is packed into flags); the rare state is not created', () => {
    const r = new ClientRecord('c1', new FakeConnection('tcp'), 1000);
    expect(ownFields(r).sort()).toEqual(
      ['conn', 'connectionContext', 'flags', 'hello', 'info', 'rare', 'traffic'].sort(),
    );
    // Clearing what was never set (onClose does) allocates nothing either.
    r.inbox = null;
    r.session = null;
    r.resuming = null;
    r.sessionOffer = null;
    r.closeReason = null;
    r.positionedKey = '';
    expect((r as unknown as { rare: unknown }).rare).toBeNull();
    expect([r.inbox, r.session, r.resuming, r.sessionOffer, r.closeReason, r.positionedKey]).toEqual([null, null, null, null, null, '']);
    expect(r.state).toBe(ClientState.Admitting);
  });

  it('the state shares the flags field without touching the booleans or the request count', () => {
    const r = new ClientRecord('c1', new FakeConnection('tcp'), 1000);
    r.holdsAdmissionSlot = true;
    r.confirmQueued = true;
    r.requestsInFlight = MAX_REQUESTS_IN_FLIGHT;
    for (const s of [ClientState.Open, ClientState.Closing, ClientState.Closed, ClientState.Admitting, ClientState.Closed]) {
      r.state = s;
      expect([r.state, r.holdsAdmissionSlot, r.countedByTracker, r.endSession, r.confirmQueued, r.requestsInFlight]).toEqual([s, true, false, false, true, MAX_REQUESTS_IN_FLIGHT]);
    }
    r.requestsInFlight = 3;
    r.endSession = true;
    expect([r.state, r.requestsInFlight, r.endSession, r.isOpen]).toEqual([ClientState.Closed, 3, true, false]);
    r.state = ClientState.Open;
    expect(r.isOpen).toBe(true);
  });

  it('the three flags are independent booleans', () => {
    const r = new ClientRecord('c1', new FakeConnection('ws'), 1000);
    expect([r.holdsAdmissionSlot, r.countedByTracker, r.endSession]).toEqual([false, false, false]);
    r.countedByTracker = true;
    expect([r.holdsAdmissionSlot, r.countedByTracker, r.endSession]).toEqual([false, true, false]);
    r.holdsAdmissionSlot = true;
    r.endSession = true;
    expect([r.holdsAdmissionSlot, r.countedByTracker, r.endSession]).toEqual([true, true, true]);
    r.countedByTracker = false;
    expect([r.holdsAdmissionSlot, r.countedByTracker, r.endSession]).toEqual([true, false, true]);
    r.holdsAdmissionSlot = false;
    r.endSession = false;
    expect([r.holdsAdmissionSlot, r.countedByTracker, r.endSession]).toEqual([false, false, false]);
  });

  it('the rare fields keep what is written, each on its own, and can be cleared again', () => {
    const r = new ClientRecord('c1', new FakeConnection('tcp'), 1000);
    const session = { id: 's1' } as unknown as StoredSession;
    const inbox = [{ type: 0, event: 'e', data: 1 }] as never[];
    r.closeReason = 'bye';
    expect([r.closeReason, r.session, r.inbox]).toEqual(['bye', null, null]);
    r.session = session;
    r.positionedKey = 'tcp\0p';
    r.inbox = inbox;
    r.sessionOffer = { reason: 'unknown session' };
    expect(r.session).toBe(session);
    expect(r.inbox).toBe(inbox);
    expect(r.positionedKey).toBe('tcp\0p');
    expect(r.sessionOffer).toEqual({ reason: 'unknown session' });
    expect(r.resuming).toBeNull();
    r.inbox = null;
    r.session = null;
    expect([r.inbox, r.session, r.closeReason]).toEqual([null, null, 'bye']);
    expect(ownFields(r)).toHaveLength(7);
  });
});
