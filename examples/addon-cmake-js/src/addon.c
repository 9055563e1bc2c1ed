#include <node_api.h>
#include <hello.h>

static napi_value Answer(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  napi_create_int32(env, hello_answer(), &result);
  return result;
}

static napi_value Greet(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  char name[128] = "world";
  size_t name_len = 0;
  char out[256];
  napi_value result;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc >= 1) napi_get_value_string_utf8(env, argv[0], name, sizeof name, &name_len);
  int n = hello_greet(name, out, (int)sizeof out);
  napi_create_string_utf8(env, out, (size_t)n, &result);
  return result;
}

static napi_value Version(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  napi_create_string_utf8(env, hello_version(), NAPI_AUTO_LENGTH, &result);
  return result;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "answer", NULL, Answer, NULL, NULL, NULL, napi_default, NULL },
    { "greet", NULL, Greet, NULL, NULL, NULL, napi_default, NULL },
    { "version", NULL, Version, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
