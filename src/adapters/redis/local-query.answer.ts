/** How a node answers another node's query from its local state. */
import type { ClusterStateProvider } from '../../ports/cluster-bus.port';
import { QueryKind } from './cluster-envelope.codec';

/**
 * Computes this node's answer to a query of `kind` (may throw: the provider is user-facing code;
 * the caller then sends no answer and the asker reports a partial result).
 */
export function localAnswer(state: ClusterStateProvider, kind: QueryKind, arg?: string): unknown {
  switch (kind) {
    case QueryKind.Rooms:
      return state.localRooms();
    case QueryKind.RoomMembers:
      return state.localRoomMembers(arg ?? '');
    case QueryKind.Clients:
      return state.localClients(arg);
    case QueryKind.Stats:
      return state.localStats();
    case QueryKind.HasClient:
      return state.hasLocalClient !== undefined
        ? state.hasLocalClient(arg ?? '')
        : state.localClients().some((c) => c.id === arg);
  }
}
