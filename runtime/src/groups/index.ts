// Groups: Raft committees running a replicated state machine (spec 05), and the collections
// built on them.
export { Group, GroupError, type GroupErrorCode, type GroupOptions, type GroupStatus, type Consistency } from "./group.js";
export { bytesCodec, jsonCodec, type ApplyContext, type ByteCodec, type StateMachine } from "./state-machine.js";
export { memoryStore, type GroupStore, type Recovered } from "./store.js";
export { walStore } from "./wal-store.js";
export { collection, Collections, collectionSignature, type CollectionHandle, type MemberOptions, ReplicatedCell, ReplicatedMap, ReplicatedOnce, ReplicatedPriorityQueue, ReplicatedSet, ReplicatedVec, MapClient, type CollectionClientOptions, type CollectionKind, type CollectionOptions, type GroupPeer, type Versioned } from "./collections.js";
export { groupId, type GroupIdInputs } from "./id.js";
export { startKeyedGroup, type KeyedGroupOptions } from "./id.js";
export { GroupClient, connectKeyedGroup, type GroupClientOptions, type KeyedClientOptions } from "./client.js";
