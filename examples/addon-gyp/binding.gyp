{
  "targets": [
    {
      "target_name": "hello_addon",
      "sources": ["src/addon.c"],
      "include_dirs": ["<!@(npx --no-install ocipkg-link hello --include)"],
      "libraries": ["<!@(npx --no-install ocipkg-link hello --ldflags)"]
    }
  ]
}
