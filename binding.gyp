{
  "targets": [
    {
      "target_name": "sockit",
      "sources": [ "<!@(ls -1 native/*.cc native/codec/*.cc native/io/*.cc)" ],
      "include_dirs": [ "<!(node -p \"require('node-addon-api').include_dir\")", "native" ],
      "defines": [ "NAPI_VERSION=8", "NODE_ADDON_API_CPP_EXCEPTIONS", "NODE_ADDON_API_CPP_EXCEPTIONS_ALL", "NODE_ADDON_API_DISABLE_DEPRECATED", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS", "_GNU_SOURCE" ],
      "cflags_cc": [ "-std=c++17", "-fexceptions", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-missing-field-initializers" ],
      "cflags_cc!": [ "-fno-exceptions", "-std=gnu++1y", "-std=gnu++17" ]
    }
  ]
}
