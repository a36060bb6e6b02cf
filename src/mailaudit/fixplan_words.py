"""The fix plan's own words (step titles and what to check before the next step), per language."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

EN: Mapping[str, str] = MappingProxyType({
    "receive": "Make sure mail to the domain can be delivered (MX)",
    "spf": "Make the SPF record valid and list every service that sends as the domain",
    "dkim": "Sign outgoing mail with DKIM",
    "monitor": "Publish DMARC in monitoring mode (p=none) with aggregate reports",
    "dmarc": "Correct the DMARC record",
    "reputation": "Repair reverse DNS and blocklist listings",
    "other": "Other corrections",
    "quarantine": "Enforce DMARC: p=quarantine",
    "reject": "Enforce DMARC fully: p=reject",
    "nomail": "Lock down a domain that sends and receives no mail",
    "wait_receive": "Send a test message to the domain and check it arrives.",
    "wait_spf": "Send a test message from every sending service and check the receiver's "
                "Authentication-Results header shows spf=pass.",
    "wait_dkim": "Send a test message and check Authentication-Results shows dkim=pass for the domain.",
    "wait_monitor": "Read the aggregate reports for 2 to 4 weeks: every legitimate source must pass SPF or "
                    "DKIM aligned with the domain before enforcing.",
    "wait_quarantine": "After 2 to 4 weeks without legitimate mail in quarantine, go on to p=reject.",
    "no_mx_record": "Publish MX records for the servers that receive the domain's mail (your provider "
                    "gives the names). Only if the domain receives no mail at all: {record}",
    "enforce_why": "With p=none, receivers deliver mail that fails DMARC: anyone can still send as the domain.",
    "reject_why": "p=reject makes receivers refuse forged mail instead of filing it as spam.",
    "nomail_why": "The domain sends and receives no mail: say so, so that nobody can send in its name.",
    "incomplete": "Some checks could not complete ({checks}); the plan may be missing steps.",
    "empty": "Nothing to change: no finding needs a fix.",
})

ID: Mapping[str, str] = MappingProxyType({
    "receive": "Pastikan e-mail ke domain dapat terkirim (MX)",
    "spf": "Perbaiki record SPF dan cantumkan setiap layanan yang mengirim atas nama domain",
    "dkim": "Tandatangani e-mail keluar dengan DKIM",
    "monitor": "Terbitkan DMARC dalam mode pemantauan (p=none) dengan laporan agregat",
    "dmarc": "Perbaiki record DMARC",
    "reputation": "Perbaiki reverse DNS dan pencantuman di daftar hitam",
    "other": "Perbaikan lainnya",
    "quarantine": "Tegakkan DMARC: p=quarantine",
    "reject": "Tegakkan DMARC sepenuhnya: p=reject",
    "nomail": "Kunci domain yang tidak mengirim maupun menerima e-mail",
    "wait_receive": "Kirim pesan uji ke domain dan pastikan pesan itu sampai.",
    "wait_spf": "Kirim pesan uji dari setiap layanan pengirim dan periksa header Authentication-Results "
                "di penerima menunjukkan spf=pass.",
    "wait_dkim": "Kirim pesan uji dan periksa Authentication-Results menunjukkan dkim=pass untuk domain.",
    "wait_monitor": "Baca laporan agregat selama 2 sampai 4 minggu: setiap sumber yang sah harus lulus SPF "
                    "atau DKIM yang selaras dengan domain sebelum kebijakan ditegakkan.",
    "wait_quarantine": "Setelah 2 sampai 4 minggu tanpa e-mail sah yang masuk karantina, lanjutkan ke p=reject.",
    "no_mx_record": "Terbitkan record MX untuk server yang menerima e-mail domain (nama server diberikan "
                    "penyedia Anda). Hanya jika domain sama sekali tidak menerima e-mail: {record}",
    "enforce_why": "Dengan p=none, penerima tetap mengirimkan e-mail yang gagal DMARC: siapa pun masih dapat "
                   "mengirim atas nama domain.",
    "reject_why": "p=reject membuat penerima menolak e-mail palsu alih-alih memasukkannya ke folder spam.",
    "nomail_why": "Domain ini tidak mengirim maupun menerima e-mail: nyatakan hal itu agar tidak ada yang "
                  "dapat mengirim atas namanya.",
    "incomplete": "Sebagian pemeriksaan tidak dapat diselesaikan ({checks}); rencana ini mungkin belum "
                  "lengkap.",
    "empty": "Tidak ada yang perlu diubah: tidak ada temuan yang memerlukan perbaikan.",
})


def words(lang: str) -> Mapping[str, str]:
    table = ID if lang == "id" else EN
    return MappingProxyType({key: table.get(key, value) for key, value in EN.items()})
