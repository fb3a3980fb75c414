// Package livedash holds the domain of the livedash real-time dashboard system: the types every
// other package speaks (principals, channels, publications, errors) and the interfaces between them.
// It imports only the standard library; adapters (realtime, auth, store, httpapi, brokers) depend on
// it, never on each other, and cmd/livedash wires them together.
package livedash
