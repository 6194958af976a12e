// gantry/testing: what users need to test their own agents without a model or a network.
export {
  ScriptedChatModel,
  type ScriptedChatModelOptions,
  type ScriptedMessage,
  type ScriptedReply,
  type ScriptedRequest,
  type ScriptedToolCall,
} from './scripted-chat-model.ts';
export {
  startOpenAIStub,
  type OpenAIStub,
  type OpenAIStubOptions,
  type StubReply,
  type StubReplies,
  type StubCompletion,
  type StubHttpError,
  type StubConnectionReset,
  type StubToolCall,
  type StubRequestRecord,
} from './openai-stub-server.ts';
export { HashEmbeddings, type HashEmbeddingsOptions } from './hash-embeddings.ts';
