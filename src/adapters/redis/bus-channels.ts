/**
 * Names of every Redis channel and key the cluster bus uses (`<p>` = prefix). Room and node
 * names sit inside a hash tag (`{…}`), so on a Redis Cluster everything of one room (its channel
 * and, when present, its history stream `<p>:h:{room}`) lives on one shard, and everything of one
 * node (its channel and its client set) on another:
 *
 * | name | kind | carries |
 * |---|---|---|
 * | `<p>:all` | channel | broadcasts to every client, cluster-wide queries |
 * | `<p>:room:{<room>}` | channel | deliveries to one room; subscribed only by nodes with members |
 * | `<p>:n:{<nodeId>}` | channel | direct sends to that node's clients, query replies, self-probes |
 * | `<p>:c:{<clientId>}` | string | the node that holds the client (directory) |
 * | `<p>:nc:{<nodeId>}` | set | the clients a node registered (cleanup when it dies) |
 * | `{<p>}:node:<id>`, `{<p>}:nodes` | string, set | presence (node-presence.tracker.ts) |
 */
export class BusChannels {
  readonly all: string;
  private readonly p: string;

  constructor(prefix: string) {
    this.p = prefix;
    this.all = `${prefix}:all`;
  }

  /** The channel of `room` (hash-tagged by the room name). */
  room(room: string): string {
    return `${this.p}:room:{${room}}`;
  }

  /** The channel of one node (hash-tagged by the node id). */
  node(nodeId: string): string {
    return `${this.p}:n:{${nodeId}}`;
  }

  /** The directory key of one client. */
  client(clientId: string): string {
    return `${this.p}:c:{${clientId}}`;
  }

  /** The set of clients one node registered. */
  nodeClients(nodeId: string): string {
    return `${this.p}:nc:{${nodeId}}`;
  }

  /** The history stream of `room` (reserved for the recovery feature: same shard as its channel). */
  roomHistory(room: string): string {
    return `${this.p}:h:{${room}}`;
  }
}
