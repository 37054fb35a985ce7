// The client tests' name for the shared fake clock (test/fakes/fake-clock.ts).
export { FakeClock as ClientFakeClock } from './fake-clock';
