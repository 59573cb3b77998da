import type { ToolSpec } from '../model/model-client.js';
import type { Tool } from './tool.js';

/** The tools of one agent, by name. Later features (memory, browser, schedules) register theirs here. */
export class ToolRegistry {
  readonly #tools = new Map<string, Tool<unknown>>();

  constructor(tools: Iterable<Tool<unknown>> = []) {
    for (const tool of tools) this.register(tool);
  }

  /** Adds a tool; a second tool with the same name is a bug and throws. */
  register<I>(tool: Tool<I>): this {
    if (this.#tools.has(tool.name)) throw new Error(`tool "${tool.name}" is already registered`);
    this.#tools.set(tool.name, tool);
    return this;
  }

  get(name: string): Tool<unknown> | undefined {
    return this.#tools.get(name);
  }

  has(name: string): boolean {
    return this.#tools.has(name);
  }

  list(): Tool<unknown>[] {
    return [...this.#tools.values()];
  }

  /** The specs the model sees, in registration order. */
  specs(): ToolSpec[] {
    return this.list().map((tool) => tool.spec());
  }
}
