// The MCP surface of Mnemo: the server factory, stdio runner and streamable HTTP handler (`mnemo mcp` is
// registered in cli/commands/mcp-command.ts).
export {
  type CreateMnemoMcpServerOptions,
  createMnemoMcpServer,
  mnemoMcpTools,
} from './create-mnemo-mcp-server.js';
export {
  type CreateMcpHttpHandlerOptions,
  createMcpHttpHandler,
  type McpTenant,
  mcpTenantOf,
} from './mcp-http-handler.js';
export type { McpContextResult, McpMemory } from './mcp-tool.js';
export { type RunMcpStdioOptions, runMcpStdio, stdioCaller } from './run-mcp-stdio.js';
export { type SpaceView, usableSpaces } from './space-tools.js';
