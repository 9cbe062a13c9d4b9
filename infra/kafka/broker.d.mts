/** Types of broker.mjs, for the tests' global setup and the fault tests. */
export function fetchClasspath(): void;
export function startCluster(name?: string, options?: { nodes?: number; timeoutMs?: number }): Promise<string[]>;
export function startBroker(name?: string, options?: { timeoutMs?: number }): Promise<string>;
export function killNode(name: string, id: number, signal?: NodeJS.Signals): Promise<void>;
export function restartNode(name: string, id: number, options?: { timeoutMs?: number }): Promise<void>;
export function clusterNodes(name?: string): { id: number; address: string; alive: boolean }[];
export function stopBroker(name?: string): Promise<boolean>;
