#!/bin/bash
# client-camera-vm: the camera code against a real kernel V4L2 driver.
#
# This machine has no /dev/video* and cannot load modules, so a Debian
# kernel boots in qemu with `vivid`, the kernel's virtual video driver (made
# for testing V4L2 programs: real ioctls, real mmap streaming, a test
# pattern). The VM mounts this machine's root read-only over 9p and runs
# camera_vm_guest.sh in it: our binaries as built, on the VM's /dev/video*.
#
# The kernel package is downloaded (apt-get download, never installed) into
# CACHE on the first run and kept there. No qemu, no kernel, no vivid: the
# test FAILS saying why; it never passes without having run the VM.
#
# usage: camera_vm_test.sh CACHE CHECK_BIN CLIENT_BIN
set -euo pipefail

cache="$1" check_bin="$2" client_bin="$3"
here="$(cd "$(dirname "$0")" && pwd)"
boot_timeout="${GRIDWORK_VM_TIMEOUT:-360}"   # seconds the VM may run, all told (~100 s under TCG here)

fail() { echo "client-camera-vm: FAILED: $*" >&2; exit 1; }
note() { echo "client-camera-vm: $*"; }

for tool in qemu-system-x86_64 cpio gzip; do
  command -v "$tool" >/dev/null || fail "$tool not found: ./dev deps installs it (qemu-system-x86, cpio)"
done
busybox="$(command -v busybox || true)"
[[ -n $busybox ]] || fail "no busybox: ./dev deps installs busybox-static"
ldd "$busybox" >/dev/null 2>&1 && fail "$busybox is dynamically linked: the initramfs needs busybox-static"
[[ -x $check_bin ]] || fail "no check program at $check_bin"
[[ -x $client_bin ]] || fail "no client at $client_bin"

# ---- the kernel: what linux-image-amd64 depends on, downloaded once ----
mkdir -p "$cache"
version="$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/.*Depends: linux-image-\(.*\)/\1/p' | head -1)"
if [[ -z $version ]]; then  # no apt lists: whatever is cached
  version="$(ls "$cache" 2>/dev/null | sed -n 's/^kernel-\(.*\)$/\1/p' | sort -V | tail -1)"
fi
[[ -n $version ]] || fail "cannot tell which kernel linux-image-amd64 is (apt-cache) and none is cached in $cache"
kdir="$cache/kernel-$version"
if [[ ! -f $kdir/.complete ]]; then
  note "downloading linux-image-$version into $cache"
  rm -rf "$kdir" "$cache"/linux-image-*.deb
  (cd "$cache" && apt-get download -q "linux-image-$version" >/dev/null 2>&1) ||
    fail "apt-get download linux-image-$version failed (is apt reachable?)"
  dpkg-deb -x "$cache"/linux-image-"$version"_*.deb "$kdir" || fail "cannot unpack the kernel package"
  rm -f "$cache"/linux-image-*.deb
  touch "$kdir/.complete"
fi
vmlinuz="$kdir/boot/vmlinuz-$version"
moddir="$kdir/lib/modules/$version"
[[ -f $vmlinuz ]] || fail "no $vmlinuz in the package"
vivid="$(find "$moddir" -name 'vivid.ko*' | head -1)"
[[ -n $vivid ]] || fail "this kernel ($version) has no vivid module: the test needs CONFIG_VIDEO_VIVID"

# ---- the modules vivid and the 9p shares need, dependencies first ----
# The package has no modules.dep (depmod makes it on install): each
# module's own .modinfo says what it depends on.
declare -A path_of
while IFS= read -r ko; do
  name="$(basename "$ko")"; name="${name%%.ko*}"; path_of["${name//-/_}"]="$ko"
done < <(find "$moddir/kernel" -name '*.ko*')
modinfo_of() {  # the module's .modinfo strings, one a line
  case "$1" in
    *.xz) xz -dc "$1" ;;
    *.zst) zstd -dc "$1" ;;
    *) cat "$1" ;;
  esac | tr '\0' '\n' | grep -a -E '^(depends|name)='
}
declare -A added
order=()
add_module() {
  local m="${1//-/_}"
  [[ -n ${added[$m]:-} ]] && return 0
  added[$m]=1
  local ko="${path_of[$m]:-}"
  [[ -n $ko ]] || return 0   # built into the kernel
  local deps
  deps="$(modinfo_of "$ko" | sed -n 's/^depends=//p' | tr ',' ' ')"
  for d in $deps; do add_module "$d"; done
  order+=("$ko")
}
for m in virtio virtio_ring virtio_pci netfs 9pnet 9pnet_virtio 9p vivid; do add_module "$m"; done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
root="$work/initramfs"
mkdir -p "$root"/{bin,modules,proc,sys,dev,host,tmp,hosttmp}
# The guest gets a tmpfs /tmp (Xvfb and the client write there), which would
# hide a checkout under /tmp (CI clones into one): those folders are
# mounted again inside it from the host's /tmp.
keep_tmp=""
for p in "$here" "$check_bin" "$client_bin"; do
  [[ $p == /tmp/?* ]] || continue
  top="${p#/tmp/}"; top="${top%%/*}"
  [[ " $keep_tmp " == *" $top "* ]] || keep_tmp="$keep_tmp $top"
done
cp "$busybox" "$root/bin/busybox"
: > "$root/modules/order"
for ko in "${order[@]}"; do
  out="$root/modules/$(basename "${ko%.xz}")"
  case "$ko" in *.xz) xz -dc "$ko" > "$out" ;; *) cp "$ko" "$out" ;; esac
  basename "$out" >> "$root/modules/order"
done
note "kernel $version, modules: $(tr '\n' ' ' < "$root/modules/order")"

# /init: modules, the shares, then the guest script chrooted into this
# machine's root; its exit code goes to out/rc. poweroff -f either way.
cat > "$root/init" <<EOF
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in \$(cat /modules/order); do insmod /modules/\$m || echo "init: insmod \$m failed"; done
h=/host
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000 hostroot \$h || { echo 'init: no hostroot'; poweroff -f; }
mount -t proc proc \$h/proc; mount -t sysfs sys \$h/sys; mount -t devtmpfs dev \$h/dev
mount --bind \$h/tmp /hosttmp
mount -t tmpfs tmp \$h/tmp
for d in $keep_tmp; do mkdir -p \$h/tmp/\$d; mount --bind /hosttmp/\$d \$h/tmp/\$d; done
mkdir -p \$h/dev/shm; mount -t tmpfs shm \$h/dev/shm; mount -t tmpfs run \$h/run
mount -t tmpfs xkb \$h/var/lib/xkb  # Xvfb writes its compiled keymap there
mkdir -p \$h/tmp/out
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 out \$h/tmp/out || { echo 'init: no out share'; poweroff -f; }
echo "init: up in \$(cut -d' ' -f1 /proc/uptime) s"
chroot \$h /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp \
  /bin/bash $here/camera_vm_guest.sh /tmp/out "$check_bin" "$client_bin"
echo \$? > \$h/tmp/out/rc
sync
poweroff -f
EOF
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/initrd.gz"

# ---- the VM ----
out="$work/out"
mkdir -p "$out"
# KVM only where the CPU shows it (vmx/svm): on this kind of nested host
# /dev/kvm can exist while a guest under it crawls, never reaching init.
accel=(-accel tcg)
if [[ ${GRIDWORK_VM_ACCEL:-} == kvm ]] ||
   [[ -z ${GRIDWORK_VM_ACCEL:-} && -r /dev/kvm && -w /dev/kvm ]] && grep -q -w -E 'vmx|svm' /proc/cpuinfo; then
  accel=(-accel kvm -cpu host)
else
  note "no usable KVM (/dev/kvm and a CPU with vmx or svm): TCG, slower"
fi
note "booting (${accel[*]})"
start_ms=$(($(date +%s%N) / 1000000))
set +e
timeout --kill-after=10 "$boot_timeout" qemu-system-x86_64 "${accel[@]}" -m 2048 -smp 2 -no-reboot \
  -display none -serial stdio -monitor none \
  -kernel "$vmlinuz" -initrd "$work/initrd.gz" -append "console=ttyS0 panic=-1 ${GRIDWORK_VM_APPEND:-quiet loglevel=4}" \
  -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
  -virtfs "local,path=$out,mount_tag=out,security_model=none" </dev/null 2>&1 | tee "$work/console.log"
qrc=${PIPESTATUS[0]}
set -e
ms=$(($(date +%s%N) / 1000000 - start_ms))
note "the VM ran $((ms / 1000)).$(printf %03d $((ms % 1000))) s (qemu exit $qrc)"
[[ $qrc -eq 124 || $qrc -eq 137 ]] && fail "the VM did not finish within ${boot_timeout} s"
mkdir -p "$cache/last"  # the screenshot and the console of the last run, to look at
cp "$work/console.log" "$out"/*.png "$cache/last/" 2>/dev/null || true
[[ -f $out/rc ]] || fail "the guest wrote no result (see the console above)"
rc="$(cat "$out/rc")"
[[ $rc == 0 ]] || fail "the checks in the VM failed (exit $rc)"
note "passed"
