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
} from './mcp-http-handler.js';
export type { McpContextResult, McpMemory } from './mcp-tool.js';
export { type RunMcpStdioOptions, runMcpStdio } from './run-mcp-stdio.js';
