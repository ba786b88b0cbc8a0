// 长辈版 helpers (no inline script: the Content-Security-Policy forbids it).
//
// [data-read-aloud]  朗读: speaks the page's main text with the browser's speech synthesis
//                    in a Chinese voice; a second press stops it.  Stays hidden where the
//                    browser has no speechSynthesis.  Its labels come from the template
//                    (data-label-read / data-label-stop), already translated.
// [data-speech-input] 语音输入 beside a text area (data-speech-input="<textarea id>"):
//                    appends what the browser recognises (zh-CN); typing stays available.
//                    Stays hidden where the browser offers no speech recognition.
(function () {
  "use strict";

  // The voice's language follows the page: 简体中文 → zh-CN (the default), 繁體 → zh-TW.
  var LANGS = { "zh-hans": "zh-CN", "zh-hant": "zh-TW", en: "en-US" };
  function speechLang() {
    var lang = (document.documentElement.getAttribute("lang") || "").toLowerCase();
    return LANGS[lang] || "zh-CN";
  }

  // ---- read aloud ------------------------------------------------------------------
  // The text of the main element without the parts marked data-no-read (the tool bar)
  // and without what is not shown (innerText leaves out display:none).
  function mainText() {
    var main = document.getElementById("main") || document.querySelector("main");
    if (!main) return "";
    var parts = [];
    Array.prototype.forEach.call(main.children, function (el) {
      if (el.hasAttribute("data-no-read") || el.hidden) return;
      var text = (el.innerText || "").trim();
      if (text) parts.push(text);
    });
    return parts.join("\n");
  }

  // Long utterances are cut off by some engines (Chrome stops after about 15 s): speak
  // sentence by sentence, at most MAX characters each.
  var MAX = 160;
  function chunks(text) {
    var out = [];
    text.split(/\n+/).forEach(function (line) {
      var sentences = line.match(/[^。！？!?；;]+[。！？!?；;]*/g) || [];
      var current = "";
      sentences.forEach(function (s) {
        s = s.trim();
        if (!s) return;
        if (current && (current + s).length > MAX) {
          out.push(current);
          current = "";
        }
        while (s.length > MAX) {
          out.push(s.slice(0, MAX));
          s = s.slice(MAX);
        }
        current += s;
      });
      if (current) out.push(current);
    });
    return out;
  }

  function chineseVoice(lang) {
    var voices = window.speechSynthesis.getVoices ? window.speechSynthesis.getVoices() : [];
    var want = lang.toLowerCase().replace("_", "-");
    var exact = null;
    var near = null;
    (voices || []).forEach(function (v) {
      var l = (v.lang || "").toLowerCase().replace("_", "-");
      if (!exact && l === want) exact = v;
      if (!near && l.slice(0, 2) === want.slice(0, 2)) near = v;
    });
    return exact || near;
  }

  function setupReadAloud(button) {
    var synth = window.speechSynthesis;
    var labelRead = button.getAttribute("data-label-read") || button.textContent;
    var labelStop = button.getAttribute("data-label-stop") || button.textContent;
    var speaking = false;
    var run = 0; // ignores the end events of a reading that was stopped

    function show(on) {
      speaking = on;
      // The label says what a press does next; no aria-pressed on top of a changing label.
      button.textContent = on ? labelStop : labelRead;
      if (on) button.setAttribute("data-active", "");
      else button.removeAttribute("data-active");
    }

    function stop() {
      run += 1;
      synth.cancel();
      show(false);
    }

    function start() {
      var parts = chunks(mainText());
      if (!parts.length) return;
      synth.cancel(); // anything another tab or an earlier press left queued
      run += 1;
      var mine = run;
      var lang = speechLang();
      var voice = chineseVoice(lang);
      show(true);
      parts.forEach(function (text, i) {
        var u = new window.SpeechSynthesisUtterance(text);
        u.lang = lang;
        if (voice) u.voice = voice;
        u.rate = 0.9; // a little slower than the default, for older listeners
        if (i === parts.length - 1) {
          u.onend = u.onerror = function () {
            if (mine === run) show(false);
          };
        }
        synth.speak(u);
      });
    }

    button.addEventListener("click", function () {
      if (speaking) stop();
      else start();
    });
    // Leaving the page stops the voice (browsers keep speaking otherwise).
    window.addEventListener("pagehide", function () {
      if (speaking) stop();
    });
    button.hidden = false;
  }

  // ---- speech input ----------------------------------------------------------------
  function setupSpeechInput(box, Recognition) {
    var field = document.getElementById(box.getAttribute("data-speech-input"));
    var button = box.querySelector("button");
    var status = box.querySelector("[data-speech-status]");
    if (!field || !button) return;
    // Sit right under the text area it fills.
    var holder = field.closest(".field") || field;
    holder.parentNode.insertBefore(box, holder.nextSibling);
    var labelStart = button.textContent;
    var labelStop = box.getAttribute("data-label-stop") || labelStart;
    var recognition = null;

    function say(key) {
      if (status) status.textContent = key ? box.getAttribute(key) || "" : "";
    }

    function idle() {
      recognition = null;
      button.removeAttribute("data-active");
      button.textContent = labelStart;
    }

    button.addEventListener("click", function () {
      if (recognition) {
        recognition.stop();
        return;
      }
      recognition = new Recognition();
      recognition.lang = speechLang();
      recognition.interimResults = false;
      recognition.continuous = false;
      recognition.maxAlternatives = 1;
      recognition.onresult = function (event) {
        var heard = "";
        for (var i = event.resultIndex; i < event.results.length; i++) {
          if (event.results[i].isFinal) heard += event.results[i][0].transcript;
        }
        heard = heard.trim();
        if (!heard) return;
        var before = field.value;
        var joined = before && !/\s$/.test(before) ? before + " " + heard : before + heard;
        var max = parseInt(field.getAttribute("maxlength") || "0", 10);
        field.value = max > 0 ? joined.slice(0, max) : joined;
        field.dispatchEvent(new Event("input", { bubbles: true }));
        say("data-msg-done");
      };
      recognition.onerror = function (event) {
        say(event.error === "not-allowed" || event.error === "service-not-allowed"
          ? "data-msg-denied" : "data-msg-failed");
        idle();
      };
      recognition.onend = idle;
      try {
        recognition.start();
      } catch (e) {
        say("data-msg-failed");
        idle();
        return;
      }
      button.setAttribute("data-active", "");
      button.textContent = labelStop;
      say("data-msg-listening");
    });
    box.hidden = false;
  }

  function init() {
    if (window.speechSynthesis && window.SpeechSynthesisUtterance) {
      document.querySelectorAll("[data-read-aloud]").forEach(setupReadAloud);
    }
    var Recognition = window.SpeechRecognition || window.webkitSpeechRecognition;
    if (Recognition) {
      document.querySelectorAll("[data-speech-input]").forEach(function (box) {
        setupSpeechInput(box, Recognition);
      });
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
