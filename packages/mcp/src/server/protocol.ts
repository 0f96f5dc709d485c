import {ExitCode, isSystemPromptError, toSystemPromptError, type Actor} from '@systemprompt/core';
import type {McpApi} from '../index.js';

import type * as ServerSdk from '@modelcontextprotocol/server';

/** The SDK's module, imported by the caller on the paths that serve (never on CLI start-up). */
type ServerModule = typeof ServerSdk;

/** The server's name in the handshake and in `server/discover`. */
export const SERVER_NAME = 'systemprompt-os';

/**
 * A service error as the protocol answers it: "not found" and bad input are invalid params, a
 * refusal says "permission denied", anything unexpected is an internal error without details.
 */
function protocolError(sdk: ServerModule, error: unknown): Error {
  const failure = toSystemPromptError(error);
  if (!isSystemPromptError(error) || failure.exitCode === ExitCode.Unexpected)
    return new sdk.ProtocolError(sdk.ProtocolErrorCode.InternalError, 'Internal error');
  if (failure.exitCode === ExitCode.PermissionDenied)
    return new sdk.ProtocolError(sdk.ProtocolErrorCode.InvalidRequest, `permission denied: ${failure.message}`);
  return new sdk.ProtocolError(sdk.ProtocolErrorCode.InvalidParams, failure.message);
}

/**
 * One MCP server for one caller (built per HTTP request, or once per stdio connection): it lists
 * what the caller may use and calls through the services, so every answer is the caller's own.
 */
export function buildProtocolServer(sdk: ServerModule, mcp: McpApi, actor: Actor) {
  const server = new sdk.Server(
    {name: SERVER_NAME, title: 'SystemPrompt OS', version: mcp.version},
    {
      capabilities: {tools: {listChanged: true}, prompts: {listChanged: true}, resources: {listChanged: true}},
      instructions:
        'SystemPrompt OS: tools of its modules (users, permissions, database, config, system) and of upstream MCP servers (NAME__tool), prompts and resources. Each tool acts with your permissions.',
    },
  );

  server.setRequestHandler('tools/list', async () => ({
    tools: (await mcp.catalogue.visibleTo(actor)).map((tool) => ({
      name: tool.name,
      ...(tool.title ? {title: tool.title} : {}),
      description: tool.description,
      inputSchema: tool.inputSchema as {type: 'object'},
      ...(tool.outputSchema ? {outputSchema: tool.outputSchema as {type: 'object'}} : {}),
      ...(tool.annotations ? {annotations: tool.annotations} : {}),
    })),
  }));

  server.setRequestHandler('tools/call', async (request, context) => {
    try {
      const {result} = await mcp.calls.call(
        actor,
        request.params.name,
        request.params.arguments,
        context.mcpReq?.signal ?? new AbortController().signal,
      );
      return result as never;
    } catch (error) {
      if (toSystemPromptError(error).code === 'TOOL_NOT_FOUND')
        throw new sdk.ProtocolError(sdk.ProtocolErrorCode.InvalidParams, `Unknown tool: ${request.params.name}`);
      throw protocolError(sdk, error);
    }
  });

  server.setRequestHandler('prompts/list', async () => ({
    prompts: (await mcp.prompts.visibleTo(actor)).map((prompt) => ({
      name: prompt.name,
      ...(prompt.title ? {title: prompt.title} : {}),
      description: prompt.description,
      arguments: prompt.arguments.map((argument) => ({
        name: argument.name,
        ...(argument.description ? {description: argument.description} : {}),
        required: argument.required ?? false,
      })),
    })),
  }));

  server.setRequestHandler('prompts/get', async (request) => {
    try {
      return await mcp.prompts.render(actor, request.params.name, request.params.arguments ?? {});
    } catch (error) {
      throw protocolError(sdk, error);
    }
  });

  server.setRequestHandler('resources/list', async () => ({
    resources: (await mcp.resources.visibleTo(actor)).map((resource) => ({
      uri: resource.uri,
      name: resource.name,
      ...(resource.title ? {title: resource.title} : {}),
      ...(resource.description ? {description: resource.description} : {}),
      mimeType: resource.mimeType,
    })),
  }));

  server.setRequestHandler('resources/templates/list', async () => ({resourceTemplates: []}));

  server.setRequestHandler('resources/read', async (request) => {
    try {
      return {contents: [await mcp.resources.read(actor, request.params.uri)]};
    } catch (error) {
      if (toSystemPromptError(error).exitCode === ExitCode.NotFound)
        throw new sdk.ResourceNotFoundError(request.params.uri);
      throw protocolError(sdk, error);
    }
  });

  return server;
}
