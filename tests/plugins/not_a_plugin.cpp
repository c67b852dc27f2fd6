// A shared object that is not an archlab plugin: it exports no archlab_plugin symbol.
extern "C" __attribute__((visibility("default"))) int not_an_archlab_plugin() { return 42; }
