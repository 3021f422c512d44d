// The public `mnemo/testing` entry: mocks and a scripted model server for testing code built on Mnemo.
export {
  createMockEmbedder,
  type MockEmbedder,
  type MockEmbedderOptions,
} from './mock-embedder.js';
export {
  createMockLanguageModel,
  type MockLanguageModel,
  type MockLanguageModelCall,
  type MockLanguageModelOptions,
  type MockLanguageModelResponse,
} from './mock-language-model.js';
export {
  createOpenAICompatibleTestServer,
  type OpenAICompatibleTestServer,
  type OpenAICompatibleTestServerOptions,
  sampleFromJsonSchema,
  type TestServerReply,
  type TestServerRequest,
} from './openai-compatible-test-server.js';
