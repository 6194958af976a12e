// Gantry's public API, grouped by folder.

// agent
export { Agent, createAgent, type AgentOptions, type AgentLimits, type PlannerOption, type RunOptions } from './agent/agent.ts';
export type {
  AgentEvent, AgentEventType, RunStartEvent, StepStartEvent, ModelDeltaEvent, ModelRetryEvent, ModelMessageEvent,
  ToolCallStartEvent, ToolCallEndEvent, StepEndEvent, RunEndEvent,
} from './agent/events.ts';
export { EVENT_SCHEMA_VERSION } from './agent/events.ts';
export type { RunResult, StepRecord, StopReason, ToolCallRecord, ToolCallRequest, ModelReply } from './agent/records.ts';
export type { Usage } from './agent/usage.ts';
export { defineAgent, type AgentDefinition } from './agent/definition.ts';
export { TraceWriter } from './agent/trace.ts';
export { stepCountIs, tokenCountIs, costIs, hasToolCall, type StopCondition, type RunState } from './agent/stop-conditions.ts';
export type { Planner, PlannerDecision } from './agent/planner.ts';
export { toolCallingPlanner } from './agent/planners/tool-calling.ts';
export { reactPlanner } from './agent/planners/react.ts';
export { parseReAct, type ReActParse } from './agent/planners/react-parser.ts';
export type { RetryPolicy } from './agent/model-call.ts';
export type { RunCheckpointer } from './agent/agent.ts';
export type { ResumeState } from './agent/loop.ts';
export {
  fitHistory, compactSteps, type ConversationHistory, type HistoryTurn, type ContextOptions, type FittedHistory,
} from './agent/history.ts';
export {
  GantryError, UserError, ModelBehaviorError, ModelCallError, ToolError, BudgetExceededError, ReplayMismatchError, EnvironmentError,
} from './agent/errors.ts';

// tools
export {
  tool, jsonSchemaTool, type Tool, type ToolDefinition, type JsonSchemaToolDefinition, type JsonSchemaObject, type ToolExecuteOptions, type ToolFailure, type Source,
} from './tools/tool.ts';
export type { ToolLike } from './tools/registered-tool.ts';
export { ToolRouter, type FunctionDefinition } from './tools/router.ts';
export { builtinTools, builtinToolNames } from './tools/builtins.ts';
export { calculator, createCalculator, evaluateExpression, type CalculatorOptions } from './tools/calculator/calculator.ts';
export type { CalculatorResult } from './tools/calculator/format-result.ts';
export {
  createCodeInterpreter, CODE_INTERPRETER_DEFAULTS, type CodeInterpreterOptions, type CodeInterpreterTool, type CodeInterpreterInput,
} from './tools/code-interpreter/code-interpreter.ts';
export { SandboxPool, type SandboxPoolOptions, type RunRequest } from './tools/code-interpreter/sandbox-pool.ts';
export type { RunOutcome, RunLimits, RunError } from './tools/code-interpreter/protocol.ts';
export { createWebSearch, type WebSearchOptions } from './tools/web/web-search.ts';
export {
  searchProviderFromEnv, searxngProvider, braveProvider, tavilyProvider, type SearchProvider, type SearchResult,
} from './tools/web/search-providers.ts';
export { createWebFetch, type WebFetchOptions } from './tools/web/web-fetch.ts';
export { extractContent, type ExtractedPage } from './tools/web/extract.ts';
export type { PageRenderer, RenderedPage } from './tools/web/page-renderer.ts';
export { createBrowserTool, type BrowserToolOptions, type BrowserTool } from './tools/web/browser/browser-tool.ts';
export { ChromiumRenderer } from './tools/web/browser/chromium-renderer.ts';
export { ChromiumLauncher } from './tools/web/browser/chromium.ts';
export { createRetrievalSearch, type RetrievalSearchOptions } from './tools/retrieval/retrieval-search.ts';
export { createMemoryTools, type MemoryBackend, type MemoryNote, type MemoryToolsOptions } from './tools/memory/memory-tools.ts';

// memory
export { gantryHome, mainDatabasePath } from './memory/database.ts';
export type {
  Passage, PassageLocation, PassageSearcher, SearchFilter, SearchMode, SearchOptions, DocumentType,
} from './memory/passages.ts';
export {
  DocumentIndex, type DocumentIndexOptions, type AddOptions, type IndexProgress, type IndexReport, type IndexStats,
} from './memory/document-index.ts';
export { SessionStore, type SessionSummary, type StoredHistory, type StoredSession } from './memory/session-store.ts';
export { prepareSessionHistory, recordSessionTurn, type PrepareSessionHistoryOptions, type PreparedSessionHistory } from './memory/session-history.ts';
export { summarizeTurns, type SummarizeTurnsOptions } from './memory/summarizer.ts';
export { LongTermMemory, type MemoryItem, type MemoryKind, type SaveMemoryOptions } from './memory/long-term-memory.ts';
export { recallNotes } from './memory/recall-notes.ts';
export { RunStore, type RunStatus, type RunSummary, type StoredRun, type CreateRunOptions } from './memory/run-store.ts';

// net
export { guardedFetch, GANTRY_USER_AGENT, type GuardedFetchOptions, type GuardedResponse } from './net/guarded-fetch.ts';
export { assertUrlAllowed } from './net/url-guard.ts';
export { WebAccessError } from './net/web-access-error.ts';
export { webPolicyFromEnv, parseAllowList, type WebPolicy, type AllowRule } from './net/web-policy.ts';
export { classifyAddress, parseHostLiteral, type AddressClass } from './net/address-policy.ts';

// env
export type { Environment, EnvInfo, ResetOptions, ResetResult, StepResult } from './env/environment.ts';
export { playEpisode, type Policy, type Trajectory, type TrajectoryStep } from './env/policy.ts';
export { RemoteEnvironment, type SpawnOptions, type ConnectOptions } from './env/remote-environment.ts';
export { openEnvironment, parseEnvironmentSpec, type EnvironmentSpec } from './env/environment-spec.ts';
export { ENVIRONMENT_PROTOCOL_VERSION } from './env/protocol.ts';
export { HouseholdEnvironment, type HouseholdEnvironmentOptions } from './env/household/household-environment.ts';
export { createExpertPolicy } from './env/household/expert.ts';
export { createRandomPolicy, type RandomPolicyOptions } from './env/household/random-policy.ts';
export { TASK_TYPES, type TaskType } from './env/household/tasks.ts';
export type { WorldView } from './env/household/world.ts';
export {
  runEnvironmentEpisode, episodeResultFromTrajectory, type EnvironmentEpisodeOptions, type EpisodeResult, type EnvironmentAgentMode,
} from './env/agent/environment-agent.ts';
export { EnvironmentEpisode, episodeEnded } from './env/agent/episode.ts';
export { groundAction, GROUNDING_THRESHOLD, type Grounding } from './env/agent/grounding.ts';
export { createActionTool, createThinkTool } from './env/agent/action-tool.ts';
export { reactAlfworldPlanner } from './env/agent/react-alfworld-planner.ts';
export { selectDemonstrations, formatDemonstration, collectTrajectories, type DemonstrationStyle } from './env/agent/demonstrations.ts';
export { runPlanEpisode, parsePlan, type PlanEpisodeResult } from './env/agent/plan-mode.ts';
export { summarizeEpisodes, type EnvironmentReport, type TaskTypeSummary } from './env/agent/metrics.ts';

// plugins
export type { LoadedPlugin, PluginKind, PluginProblem } from './plugins/plugin.ts';
export { loadPlugins, type PluginRegistry, type PluginSources, type LoadPluginsOptions, type PluginToolEntry } from './plugins/registry.ts';
export { loadOpenApiPlugin, type LoadOpenApiPluginOptions } from './plugins/openapi/load-openapi-plugin.ts';
export type { PluginAuthConfig } from './plugins/openapi/plugin-auth.ts';
export { connectMcpServer, type McpPlugin } from './plugins/mcp/connect-mcp-server.ts';
export type { McpServerConfig } from './plugins/mcp/server-config.ts';
export { parseMcpCommand } from './plugins/mcp-command.ts';
export { loadLocalPlugin, type LocalPluginManifest } from './plugins/local/local-plugin.ts';
export { loadGantryConfig, findConfigFile, type GantryConfig, type PluginSourceConfig } from './plugins/config.ts';
export { checkFingerprints, acceptFingerprints, fingerprintStates, type PluginChange } from './plugins/fingerprints.ts';
export { pluginInstructionsNote, pluginMarker } from './plugins/untrusted-descriptions.ts';

// models
export { resolveModel, parseModelSpec, type ModelSettings, type ResolvedModel } from './models/model-spec.ts';
export { DEFAULT_PRICES, findPrice, type ModelPrice, type PriceTable } from './models/pricing.ts';
export { LlamaCppChatModel, type LlamaCppChatModelOptions } from './models/local/llama-chat-model.ts';
export { ensureModelFile, type EnsureModelFileOptions } from './models/local/download.ts';
export { parseLocalModelSpec, isLocalModelSpec, type LocalModelSpec } from './models/local/local-model-spec.ts';
export { MODEL_CATALOG, type CatalogEntry } from './models/local/catalog.ts';
export { modelCacheDir } from './models/local/model-cache.ts';
export { ModelDownloadError } from './models/local/model-download-error.ts';
export { resolveEmbeddings, type EmbeddingsSettings, type ResolvedEmbeddings } from './models/embeddings-spec.ts';

// cli
export { runCli } from './cli/main.ts';
