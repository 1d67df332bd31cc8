# depthlab — the two commands a newcomer needs:
#   make demo   installs what is missing, builds, and runs the example sweep on models/tiny
#   make test   installs what is missing, builds, and runs every test
BUILD ?= build
JOBS ?= 2
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=Release
ifeq ($(CI),true)
  CMAKE_FLAGS += -DDEPTHLAB_WERROR=ON
endif

.PHONY: all setup configure build test demo bench format format-check clean

all: build

setup:
	@bash scripts/setup.sh

configure: setup
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) > $(BUILD).configure.log 2>&1 || (cat $(BUILD).configure.log; exit 1)

build: configure
	cmake --build $(BUILD) -j$(JOBS)

test: build format-check
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

demo: build
	@bash scripts/demo.sh $(BUILD)

bench: build
	$(BUILD)/bench/engine_bench
	$(BUILD)/bench/prefix_reuse_bench
	$(BUILD)/bench/service_bench
	$(BUILD)/bench/shapley_validation_bench

format:
	git ls-files --cached --others --exclude-standard '*.h' '*.cc' | xargs clang-format -i

format-check: setup
	@bash scripts/check_format.sh

clean:
	rm -rf $(BUILD) $(BUILD).configure.log
